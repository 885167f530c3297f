//  broker_main - `homeward broker`: the broker as its own process.
#ifndef BROKER_MAIN_H_INCLUDED
#define BROKER_MAIN_H_INCLUDED
int broker_main (int argc, char **argv);
#endif
