//  gateway_main - `homeward gateway`: the HTTP gateway as its own process.
#ifndef GATEWAY_MAIN_H_INCLUDED
#define GATEWAY_MAIN_H_INCLUDED
int gateway_main (int argc, char **argv);
#endif
