// The preview1 clocks: realtime (microsecond resolution, from performance.timeOrigin), monotonic
// (process.hrtime, nanoseconds), and the process/thread CPU-time clocks (process.cpuUsage:
// microseconds, the thread clock is the process one: JS runs the guest on one thread).
import { CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME, CLOCK_THREAD_CPUTIME_ID } from './constants.js';
import { EINVAL, WasiErrno } from './errno.js';

export function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export function clockNow(id: number): bigint {
  switch (id) {
    case CLOCK_REALTIME: return realtimeNs();
    case CLOCK_MONOTONIC: return process.hrtime.bigint();
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID: {
      const u = process.cpuUsage();
      return BigInt(u.user + u.system) * 1000n;
    }
    default: throw new WasiErrno(EINVAL, `unknown clock ${id}`);
  }
}

export function clockResolution(id: number): bigint {
  switch (id) {
    case CLOCK_MONOTONIC: return 1n;
    case CLOCK_REALTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID: return 1000n;
    default: throw new WasiErrno(EINVAL, `unknown clock ${id}`);
  }
}
