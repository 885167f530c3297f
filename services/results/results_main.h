//  results_main - `homeward results`: the results service as its own process.
#ifndef RESULTS_MAIN_H_INCLUDED
#define RESULTS_MAIN_H_INCLUDED
int results_main (int argc, char **argv);
#endif
