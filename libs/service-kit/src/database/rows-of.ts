/**
 * The rows of a `manager.query` answer. Through TypeORM's pg driver an UPDATE or DELETE with
 * RETURNING answers `[rows, count]`, a SELECT answers the rows themselves.
 */
export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]));
