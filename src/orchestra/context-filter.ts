import { estimateTokens } from "../shared/tokens.js";

/**
 * Context filtering (the owners' Phase 3 "context filtering"): a specialist gets only the context
 * items relevant to its domains. Planners (orchestrator, coordinators) see everything, since they
 * decide who needs what. The trace keeps the sizes before and after, so reports show the reduction.
 */
export interface ContextItem {
  kind: "file" | "fact";
  path?: string;
  text: string;
  trust: "trusted" | "untrusted";
  /** Explicit domains; otherwise inferred from the path. */
  domains?: string[];
}

export interface FilterResult {
  kept: ContextItem[];
  dropped: ContextItem[];
  bytesBefore: number;
  bytesAfter: number;
  /** The same sizes in estimated tokens (src/shared/tokens.ts), item by item. */
  tokensBefore: number;
  tokensAfter: number;
  /** Whether the filter ran: false for planners and with the filter off. */
  filtered: boolean;
}

export function domainsOf(item: ContextItem, pathDomains: Record<string, string[]>): string[] {
  if (item.domains && item.domains.length > 0) return item.domains;
  if (!item.path) return [];
  const path = item.path.replace(/\\/g, "/");
  const base = path.slice(path.lastIndexOf("/") + 1);
  const found = new Set<string>();
  for (const [key, domains] of Object.entries(pathDomains)) {
    const matches = key.endsWith("/")
      ? path.startsWith(key) || path.includes(`/${key}`)
      : key.startsWith(".")
        ? path.endsWith(key) || base === key
        : base === key || base.startsWith(`${key}.`);
    if (matches) for (const d of domains) found.add(d);
  }
  return [...found];
}

export function filterContext(
  items: readonly ContextItem[],
  agentDomains: readonly string[],
  options: { enabled: boolean; pathDomains: Record<string, string[]>; planner: boolean; taskText?: string },
): FilterResult {
  const size = (list: readonly ContextItem[]) =>
    list.reduce((n, item) => n + Buffer.byteLength(item.text), 0);
  const tokens = (list: readonly ContextItem[]) => list.reduce((n, item) => n + estimateTokens(item.text), 0);
  const bytesBefore = size(items);
  const tokensBefore = tokens(items);
  if (!options.enabled || options.planner) {
    return {
      kept: [...items],
      dropped: [],
      bytesBefore,
      bytesAfter: bytesBefore,
      tokensBefore,
      tokensAfter: tokensBefore,
      filtered: false,
    };
  }
  const wanted = new Set(agentDomains);
  const kept: ContextItem[] = [];
  const dropped: ContextItem[] = [];
  for (const item of items) {
    const domains = domainsOf(item, options.pathDomains);
    // An item no domain claims could matter to anyone, and a file the task names is needed: keep both.
    const named = item.path !== undefined && options.taskText?.includes(item.path) === true;
    if (named || domains.length === 0 || domains.some((d) => wanted.has(d))) kept.push(item);
    else dropped.push(item);
  }
  return {
    kept,
    dropped,
    bytesBefore,
    bytesAfter: size(kept),
    tokensBefore,
    tokensAfter: tokens(kept),
    filtered: true,
  };
}
