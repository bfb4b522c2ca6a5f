// C calls the host, and the host calls back into C before returning.
__attribute__((import_module("env"), import_name("ask_host")))
int ask_host(int question);

int square(int x) {
  return x * x;
}

int run(int x) {
  // The host answers with square(x) + 1, computed by calling back into this module.
  return ask_host(x) * 10;
}
