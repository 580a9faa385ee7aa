// The fundament program; everything it does is in the app module.
#include "app/cli.h"

int main(int argc, char** argv) { return fundament::app::RunCommandLine(argc, argv); }
