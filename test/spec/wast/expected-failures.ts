// Commands of the converted .wast suites (custom-page-sizes) that heapbase is known to fail,
// keyed `<file>.wast:<line>` (e.g. `custom-page-sizes.wast:27`), with the reason. The test
// fails on a failure not listed here and on a listed command that passes, so keep it exact.

export const expectedFailures: ReadonlyMap<string, string> = new Map<string, string>([
  // ['custom-page-sizes.wast:27', 'why it fails'],
]);
