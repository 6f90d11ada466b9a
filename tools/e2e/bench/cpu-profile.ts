/**
 * Preloaded into a service by the benchmark (BENCH_CPU_PROF=<dir>): records a V8 CPU profile of
 * the whole process life and writes it to <dir>/<service>-<pid>.cpuprofile when the process exits.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector';

const dir = process.env.BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    // The same-thread inspector session answers synchronously, so this completes before exiting.
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.env.SERVICE_NAME ?? 'process'}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.prependListener('SIGTERM', write);
  process.on('exit', write);
}
