// printf through WASI: the README's first command runs this.
#include <stdio.h>

int main(int argc, char **argv) {
  printf("Hello from C, running on heapbase!\n");
  for (int i = 1; i < argc; i++) printf("argument %d: %s\n", i, argv[i]);
  return 0;
}
