import type { Violation } from "./decode.js";
import type { ParseLimits } from "./limits.js";
import { parseMessage } from "./parse.js";
import type { Message } from "./schemas.js";

export interface ValidationReport {
  compliant: boolean;
  recovered: boolean;
  type?: string;
  message?: Message;
  violations: Violation[];
  overheadRatio?: number;
}

/** What `orchestra protocol validate` reports for one input. */
export function validateMessage(text: string, options: Partial<ParseLimits> = {}): ValidationReport {
  const result = parseMessage(text, options);
  if (!result.ok)
    return {
      compliant: false,
      recovered: false,
      ...(result.type ? { type: result.type } : {}),
      violations: result.violations,
    };
  return {
    compliant: result.compliant,
    recovered: result.recovered,
    type: result.message.type,
    message: result.message,
    violations: result.violations,
    overheadRatio: result.overheadRatio,
  };
}
