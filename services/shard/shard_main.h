//  shard_main - `homeward shard`: a shard replica as its own process.
#ifndef SHARD_MAIN_H_INCLUDED
#define SHARD_MAIN_H_INCLUDED
int shard_main (int argc, char **argv);
#endif
