import { z } from "zod";

export const MESSAGE_TYPES = ["task-assignment", "status-update", "result", "escalation", "error"] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

const agentName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "an agent name in kebab-case");
const messageId = z
  .string()
  .regex(/^[A-Za-z0-9._:/-]{1,64}$/, "1-64 characters of letters, digits and . _ : / -");
const text = z.string().min(1, "must not be empty");

/** Numbers stay the strings their author wrote ("1.10" stays "1.10"); the schema checks their range. */
const decimal01 = z.string().regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, "a decimal from 0 to 1, e.g. 0.85");
const percent = z.string().regex(/^(100|[1-9]?\d)$/, "a whole number from 0 to 100");
const positiveInt = z.string().regex(/^[1-9]\d*$/, "a positive whole number");

const envelope = {
  id: messageId,
  from: agentName,
  to: agentName,
  inReplyTo: messageId.optional(),
};

export const PRIORITIES = ["low", "normal", "high", "critical"] as const;
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export const DELIVERABLE_KINDS = [
  "code",
  "patch",
  "document",
  "plan",
  "analysis",
  "test",
  "config",
  "query",
] as const;
export const ESCALATION_REASONS = ["knowledge-boundary", "low-confidence", "security", "failure"] as const;

export const ContextFileSchema = z.strictObject({
  path: text,
  trust: z.enum(["trusted", "untrusted"]),
  content: z.string(),
});

export const TaskAssignmentSchema = z.strictObject({
  type: z.literal("task-assignment"),
  ...envelope,
  objective: text,
  context: z.strictObject({ files: z.array(ContextFileSchema), facts: z.array(text) }),
  constraints: z.array(text),
  acceptanceCriteria: z.array(text).min(1, "at least one criterion"),
  priority: z.enum(PRIORITIES),
});

export const StatusUpdateSchema = z.strictObject({
  type: z.literal("status-update"),
  ...envelope,
  state: z.enum(["in-progress", "blocked"]),
  progress: percent.optional(),
  note: text,
});

export const DeliverableSchema = z.strictObject({
  kind: z.enum(DELIVERABLE_KINDS),
  path: text.optional(),
  content: text,
});

export const FindingSchema = z.strictObject({
  severity: z.enum(SEVERITIES),
  cwe: z
    .string()
    .regex(/^CWE-\d+$/, "CWE-<number>")
    .optional(),
  file: text.optional(),
  line: positiveInt.optional(),
  text,
});

export const PlanTaskSchema = z.strictObject({
  id: messageId,
  to: agentName,
  priority: z.enum(PRIORITIES),
  dependsOn: z.array(messageId),
  objective: text,
  acceptanceCriteria: z.array(text).min(1, "at least one criterion"),
  constraints: z.array(text),
});

export const ResultSchema = z.strictObject({
  type: z.literal("result"),
  ...envelope,
  status: z.enum(["complete", "partial"]),
  confidence: decimal01,
  summary: text,
  deliverables: z.array(DeliverableSchema),
  findings: z.array(FindingSchema),
  plan: z.array(PlanTaskSchema),
});

export const EscalationSchema = z.strictObject({
  type: z.literal("escalation"),
  ...envelope,
  reason: z.enum(ESCALATION_REASONS),
  target: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "an agent or tier name"),
  summary: text,
  attempted: text.optional(),
});

export const ErrorSchema = z.strictObject({
  type: z.literal("error"),
  ...envelope,
  code: z.string().regex(/^[A-Z][A-Z0-9_]*$/, "UPPER_SNAKE_CASE"),
  retryable: z.enum(["true", "false"]),
  detail: text,
});

export const MessageSchema = z.discriminatedUnion("type", [
  TaskAssignmentSchema,
  StatusUpdateSchema,
  ResultSchema,
  EscalationSchema,
  ErrorSchema,
]);

export type ContextFile = z.infer<typeof ContextFileSchema>;
export type TaskAssignment = z.infer<typeof TaskAssignmentSchema>;
export type StatusUpdate = z.infer<typeof StatusUpdateSchema>;
export type Deliverable = z.infer<typeof DeliverableSchema>;
export type Finding = z.infer<typeof FindingSchema>;
export type PlanTask = z.infer<typeof PlanTaskSchema>;
export type Result = z.infer<typeof ResultSchema>;
export type Escalation = z.infer<typeof EscalationSchema>;
export type ErrorMessage = z.infer<typeof ErrorSchema>;
export type Message = z.infer<typeof MessageSchema>;

export function confidenceOf(result: Result): number {
  return Number(result.confidence);
}
