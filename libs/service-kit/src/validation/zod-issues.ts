import type { z } from 'zod';
import type { ErrorDetail } from '../errors/application-error';

function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** One detail per bad field (`lines.0.amount`), one per unknown key of a strict object. */
export function zodIssuesToDetails(error: z.ZodError): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) details.push({ path: joinPath([...issue.path, key]), message: 'Unknown field' });
    } else {
      details.push({ path: joinPath(issue.path), message: issue.message });
    }
  }
  return details;
}
