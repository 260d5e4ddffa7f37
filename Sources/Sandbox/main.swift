import Glibc

// ngsim: one binary that behaves as ngmigrate, ngrecall, mmlsfileset, ... depending on the name it
// is run under (argv[0]) or on its first argument. Glibc only: it runs once per task batch.
exit(Tools.main(CommandLine.arguments))
