import { startBroker } from './broker';
import { isLogLevel, LogLevel } from './server/logger';

interface CliArgs {
  port: number;
  host: string;
  advertisedHost?: string;
  advertisedPort?: number;
  dataDir?: string;
  partitions: number;
  logLevel: LogLevel;
  brokerConfigs: Record<string, string>;
  topicPlan?: string;
}

function parseArgs(argv: string[]): CliArgs | string {
  const args: CliArgs = { port: 9092, host: '127.0.0.1', partitions: 3, logLevel: 'info', brokerConfigs: {} };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--memory') {
      args.dataDir = undefined;
      continue;
    }
    const eq = argv[i].indexOf('=');
    const flag = eq > 0 && argv[i].startsWith('--') ? argv[i].slice(0, eq) : argv[i];
    const inline = eq > 0 && argv[i].startsWith('--') ? argv[i].slice(eq + 1) : undefined;
    const value = inline ?? argv[++i];
    if (value === undefined) return `missing value for ${flag}`;
    switch (flag) {
      case '--port':
        args.port = Number(value);
        if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) return `invalid --port ${value}`;
        break;
      case '--host':
        args.host = value;
        break;
      case '--advertised-host':
        args.advertisedHost = value;
        break;
      case '--advertised-port':
        args.advertisedPort = Number(value);
        if (!Number.isInteger(args.advertisedPort) || args.advertisedPort < 1 || args.advertisedPort > 65535) return `invalid --advertised-port ${value}`;
        break;
      case '--data-dir':
        args.dataDir = value;
        break;
      case '--partitions':
        args.partitions = Number(value);
        if (!Number.isInteger(args.partitions) || args.partitions < 1) return `invalid --partitions ${value}`;
        break;
      case '--config': {
        const at = value.indexOf('=');
        if (at <= 0) return `invalid --config ${value} (name=value, e.g. log.retention.ms=3600000)`;
        args.brokerConfigs[value.slice(0, at)] = value.slice(at + 1);
        break;
      }
      case '--topic-plan':
        args.topicPlan = value;
        break;
      case '--log-level':
        if (!isLogLevel(value)) return `invalid --log-level ${value} (debug, info, warn, error, silent)`;
        args.logLevel = value;
        break;
      default:
        return `unknown option ${flag}`;
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`kafka-dev-broker: ${args}\nusage: kafka-dev-broker [--port 9092] [--host 127.0.0.1] [--advertised-host H] [--advertised-port P] [--data-dir DIR | --memory] [--partitions 3] [--config name=value]... [--topic-plan deploy/kafka/topics.yaml] [--log-level info]\n`);
    process.exit(2);
  }
  const broker = await startBroker({ ...args, logLevel: args.logLevel });
  process.stdout.write(`kafka-dev-broker listening on ${broker.brokers}\n`);
  const shutdown = (signal: string) => {
    process.stderr.write(`kafka-dev-broker stopping on ${signal}\n`);
    void broker.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`kafka-dev-broker: ${(e as Error).message}\n`);
  process.exit(1);
});
