// glibc's allocator tuning (mallopt), which Glibc's Swift module does not include.
#include <malloc.h>
