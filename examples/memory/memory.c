// C hands the host a pointer and a length; the host reads those bytes of linear memory.
__attribute__((import_module("env"), import_name("print_bytes")))
void print_bytes(const unsigned char *data, int length);

static const unsigned char values[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

void run(void) {
  print_bytes(values, sizeof values);
}
