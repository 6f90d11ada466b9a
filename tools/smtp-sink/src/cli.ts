import { startSmtpSink } from './sink';

async function main(): Promise<void> {
  const sink = await startSmtpSink({
    smtpPort: Number(process.env.SMTP_SINK_PORT ?? 1025),
    httpPort: Number(process.env.SMTP_SINK_HTTP_PORT ?? 1080),
  });
  console.log(JSON.stringify({ msg: 'smtp sink listening', smtpPort: sink.smtpPort, httpUrl: sink.httpUrl }));
  const stop = () => void sink.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
