// glibc's allocator tuning (mallopt), which Glibc's Swift module does not include.
#ifdef __linux__
#include <malloc.h>
#endif
