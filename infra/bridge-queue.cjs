// The bridge's source queue timing, derived from the bridge function's timeout. serverless.yml
// variables cannot multiply, so infra/resources.yml reads the result through
// ${file(./infra/bridge-queue.cjs):visibilityTimeout}.
'use strict';

// AWS asks for a visibility timeout of at least 6 times the function timeout: a batch whose
// invocation is throttled and retried then stays invisible instead of going to a second bridge
// while the first is still sending it.
const TIMEOUT_MULTIPLE = 6;

module.exports.visibilityTimeout = async ({ resolveConfigurationProperty }) => {
  const timeout = Number(await resolveConfigurationProperty(['functions', 'sqsBridge', 'timeout']));
  if (!Number.isInteger(timeout) || timeout < 1) {
    throw new Error(`functions.sqsBridge.timeout must be whole seconds, not ${timeout}`);
  }
  return TIMEOUT_MULTIPLE * timeout;
};
