//  intake_main - `homeward intake`: face pipeline workers as their own process.
#ifndef INTAKE_MAIN_H_INCLUDED
#define INTAKE_MAIN_H_INCLUDED
int intake_main (int argc, char **argv);
#endif
