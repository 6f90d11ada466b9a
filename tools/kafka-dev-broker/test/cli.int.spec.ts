import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectedProducer, kafkaFor } from './support/kafka-clients';

describe('the kafka-dev-broker command line', () => {
  let child: ChildProcess | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-dev-broker-cli-'));

  afterAll(() => {
    child?.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints one line when it listens, serves clients with the given partitions and data dir, and stops on SIGTERM', async () => {
    child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, '..', 'src', 'cli.ts'), '--port', '0', '--partitions', '2', '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const brokers = await new Promise<string>((resolve, reject) => {
      child?.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /^kafka-dev-broker listening on (127\.0\.0\.1:\d+)\n/.exec(stdout);
        if (m) resolve(m[1]);
      });
      child?.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    const producer = await connectedProducer(kafkaFor(brokers));
    await producer.send({ topic: 'cli.topic', messages: [{ value: 'x' }] });
    await producer.disconnect();
    expect(fs.readdirSync(path.join(dataDir, 'topics', 'cli.topic')).sort()).toEqual(['0', '1', 'topic-id']);

    const exited = new Promise<number | null>((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an unknown option with a usage line and exit code 2', async () => {
    const bad = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, '..', 'src', 'cli.ts'), '--prot', '9092'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    bad.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('unknown option --prot');
  });
});
