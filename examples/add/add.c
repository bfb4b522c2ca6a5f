// The host calls an export.
int add(int a, int b) {
  return a + b;
}

long long add64(long long a, long long b) {
  return a + b;
}
