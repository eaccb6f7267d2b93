export { CONFIG_FILE, MAX_ALIAS_COUNT, MAX_CONFIG_LENGTH, parseConfig } from "./parse-config.js";
export type { ParseConfigResult } from "./parse-config.js";
export type { ConfigProblem, ConfigProblemCode } from "./problem.js";
export { renderProblems, summarizeProblems } from "./render-problems.js";
export { environmentOwnsPath, environmentsFor, pathMatcher, policyFor, tagAllowed } from "./policy.js";
export type { TagDecision } from "./policy.js";
export { configSchema } from "./schema.js";
export type { BenderConfig, EnvironmentConfig, ImagePolicy, MergeMethod, SlackConfig } from "./schema.js";
export { configJsonSchema, renderConfigJsonSchema } from "./json-schema.js";
