#include "app/cli.hpp"

int main(int argc, char** argv) { return tributary::app::run_cli(argc, argv); }
