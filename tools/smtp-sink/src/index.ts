export { startSmtpSink } from './sink';
export type { SinkMessage, SmtpSink, SmtpSinkOptions } from './sink';
export { parseMail, decodeWords } from './mime';
export type { ParsedMail } from './mime';
