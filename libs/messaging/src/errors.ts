/** A programming error inside the platform (e.g. an event that breaks its own contract). Never expected. */
export class MessagingBugError extends Error {
  override readonly name = 'MessagingBugError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
