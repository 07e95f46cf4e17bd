// Public surface of the business-rules module (CertLogic, EU gateway rule format).
export { evaluateRules, evaluateRulesDetailed, selectRules, applyRule, runRuleLogic, buildExternal, certificateTypeOf, ruleDescription } from './evaluate.js';
export type { RulesInput, RulesOptions, RuleOutcome, RuleReason, RulesEvaluation, ExternalParameters, SelectionCriteria } from './evaluate.js';
export { loadRules, parseRule } from './load.js';
export type { LoadedRules, DroppedRule } from './load.js';
export { RuleSchema, RULE_TYPES, RULE_CERTIFICATE_TYPES } from './schema.js';
export type { Rule, RuleType, RuleCertificateType } from './schema.js';
export { valueSetsForRules, VALUE_SET_FILE_TO_ID } from './valuesets.js';
export { evaluateLogic, validateLogic, logicDataAccesses, compareSemver, parseSemver, CERTLOGIC_SPEC_VERSION, CERTLOGIC_IMPLEMENTATION_VERSION, SUPPORTED_ENGINE } from './certlogic.js';
export type { LogicOutcome, LogicIssue } from './certlogic.js';
