/** A migration command failed; `message` carries the engine's own explanation. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    message: string,
    /** Prisma error code such as P3006 or P3018, when the engine gave one. */
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
