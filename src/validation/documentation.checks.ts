import { result, type CheckTable } from './check-context.js';

/**
 * `model-card.complete`: every section the tier's card template requires, among those that exist
 * before promotion (details, intended use, training data, features, metrics, limitations,
 * ethical considerations), has content. Missing sections are listed, so the owner knows what to write.
 */
export const DOCUMENTATION_CHECKS: CheckTable = {
  'model-card.complete': (req, input) => {
    const gaps = input.modelCardGaps ?? [];
    return result(
      req,
      gaps.length === 0 ? 'pass' : 'fail',
      { gaps },
      { requiredSections: (req.threshold.requiredSections as string[] | undefined) ?? [] },
      gaps.length === 0
        ? 'every required section has content'
        : `required model-card sections without content: ${gaps.join(', ')}; write them with PUT …/model-card/sections/{section} or upload a card`,
      gaps.map((section) => ({ section })),
    );
  },
};
