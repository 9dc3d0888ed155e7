// main() for a binary that is nothing but the faultline CLI over the scenarios linked into it.
#include <faultline/cli.hpp>

int main(int argc, char** argv) { return faultline::main(argc, argv); }
