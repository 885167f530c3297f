//  serve_main - `homeward serve`: the whole service in one process.
#ifndef SERVE_MAIN_H_INCLUDED
#define SERVE_MAIN_H_INCLUDED
int serve_main (int argc, char **argv);
#endif
