/**
 * Preloaded into a service by the benchmark (BENCH_CPU_PROF=<dir>): records a V8 CPU profile (what
 * `node --cpu-prof` records) of one window of the process's life, from the first SIGWINCH to the
 * second one (or the exit), and writes it to <dir>/<service>-<pid>.cpuprofile. SIGWINCH because
 * NestJS's shutdown hooks take SIGUSR2 (and a process without this preload ignores SIGWINCH).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector';

const dir = process.env.BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  let state: 'idle' | 'recording' | 'written' = 'idle';
  const write = () => {
    if (state !== 'recording') return;
    state = 'written';
    // The same-thread inspector session answers synchronously, so this completes before exiting.
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.env.SERVICE_NAME ?? 'process'}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on('SIGWINCH', () => {
    if (state === 'idle') {
      state = 'recording';
      session.post('Profiler.start');
    } else write();
  });
  process.prependListener('SIGTERM', write);
  process.on('exit', write);
}
