// Lambda Managed Instances (LMI): the steady, high-volume functions on EC2 instances that Lambda
// runs in the VPC subnets, instead of classic per-request Lambda. Off by default; the deploy
// parameter managedInstances "on" turns it on (docs/functions.md, "Lambda Managed Instances").
//
// serverless.yml reads two things from here:
//   ${file(./infra/managed-instances.cjs):resources}  the capacity provider, its operator role, and
//     the CapacityProviderConfig of each function on it (osls 3 does not know that property, so it
//     goes in as a resources.extensions entry of the generated function resource);
//   ${file(./infra/managed-instances.cjs):function.<setting>}  memorySize, vpc and versionFunction of
//     each function on it, which LMI constrains.
// Parameters are resolved when the template is packaged, so the choice is made here rather than by a
// CloudFormation condition: with managedInstances "off" nothing is added and nothing changes.
'use strict';

const { FUNCTIONS } = require('./observability.cjs');

// The HTTP publish API and the SQS bridge carry the sustained traffic. The route refresh (every 5
// minutes) and the transaction resolver (every minute) stay classic: on LMI each would hold at least
// three execution environments for a few hundred short runs a day.
const MANAGED_FUNCTIONS = ['publish', 'sqsBridge'];

// The supported memory-to-vCPU ratios of an execution environment (the API takes 2.0 to 8.0; SAM and
// the Serverless Framework document 2, 4 and 8 as the supported values).
const MEMORY_PER_VCPU = [2, 4, 8];

const OPERATOR_POLICY = 'AWSLambdaManagedEC2ResourceOperator';

function wholeNumber(name, value, min, max) {
  const n = Number(value);
  if (value === '' || value == null || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`param ${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return n;
}

/** The LMI parameters, checked: a bad value stops packaging whether or not LMI is on. */
async function settings(resolveVariable) {
  const mode = await resolveVariable('param:managedInstances');
  if (mode !== 'on' && mode !== 'off') throw new Error(`param managedInstances must be "on" or "off", not ${JSON.stringify(mode)}`);
  const maxConcurrency = wholeNumber('managedInstancesMaxConcurrency', await resolveVariable('param:managedInstancesMaxConcurrency'), 1, 1600);
  const memoryPerVCpu = Number(await resolveVariable('param:managedInstancesMemoryPerVCpu'));
  if (!MEMORY_PER_VCPU.includes(memoryPerVCpu)) {
    throw new Error(`param managedInstancesMemoryPerVCpu must be one of ${MEMORY_PER_VCPU.join(', ')} (GiB per vCPU), not ${memoryPerVCpu}`);
  }
  const types = String((await resolveVariable('param:managedInstancesInstanceTypes')) ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const badType = types.find((t) => !/^[a-zA-Z0-9.-]{1,30}$/.test(t));
  if (badType) throw new Error(`param managedInstancesInstanceTypes: ${JSON.stringify(badType)} is not an instance type`);
  const maxVCpuParam = await resolveVariable('param:managedInstancesMaxVCpu');
  const maxVCpu = maxVCpuParam === '' || maxVCpuParam == null ? undefined : wholeNumber('managedInstancesMaxVCpu', maxVCpuParam, 2, 15000);
  return { on: mode === 'on', maxConcurrency, memoryPerVCpu, types, maxVCpu };
}

/**
 * memorySize, vpc and versionFunction of a function on LMI; with LMI off, the provider's own values.
 * On LMI an execution environment gets one vCPU (one Node.js worker thread) and memoryPerVCpu GiB,
 * which is also at least the 2048 MB LMI asks for. The instances are in the VPC through the capacity
 * provider, so the function has no VpcConfig of its own. No numbered versions: each published
 * version keeps its own execution environments running, and a numbered version per deploy (osls
 * retains them) would keep paying for every old one; the functions publish to $LATEST.PUBLISHED
 * instead (resources, below).
 */
module.exports.function = async ({ resolveConfigurationProperty, resolveVariable }) => {
  const { on, memoryPerVCpu } = await settings(resolveVariable);
  if (!on) {
    return {
      memorySize: await resolveConfigurationProperty(['provider', 'memorySize']),
      vpc: await resolveConfigurationProperty(['provider', 'vpc']),
      versionFunction: (await resolveConfigurationProperty(['provider', 'versionFunctions'])) ?? true,
    };
  }
  return { memorySize: memoryPerVCpu * 1024, vpc: false, versionFunction: false };
};

module.exports.resources = async ({ resolveConfigurationProperty, resolveVariable }) => {
  const { on, maxConcurrency, memoryPerVCpu, types, maxVCpu } = await settings(resolveVariable);
  if (!on) return {};

  const runtime = String(await resolveConfigurationProperty(['provider', 'runtime']));
  const major = Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1]);
  if (!(major >= 22)) throw new Error(`Lambda Managed Instances need Node.js 22 or newer, not ${runtime}`);
  const vpc = await resolveConfigurationProperty(['provider', 'vpc']);
  if (!vpc?.subnetIds || !vpc?.securityGroupIds) throw new Error('Lambda Managed Instances need provider.vpc subnetIds and securityGroupIds');
  for (const name of MANAGED_FUNCTIONS) {
    const fn = await resolveConfigurationProperty(['functions', name]);
    if (fn?.vpc !== false || fn?.versionFunction !== false) {
      throw new Error(`functions.${name} must take memorySize, vpc and versionFunction from \${file(./infra/managed-instances.cjs):function.*}`);
    }
  }

  const instanceRequirements = { Architectures: [(await resolveConfigurationProperty(['provider', 'architecture'])) || 'x86_64'] };
  if (types.length) instanceRequirements.AllowedInstanceTypes = types;
  const capacityProvider = {
    Type: 'AWS::Lambda::CapacityProvider',
    Properties: {
      // The instances go where the classic functions' network interfaces go.
      VpcConfig: { SubnetIds: vpc.subnetIds, SecurityGroupIds: vpc.securityGroupIds },
      PermissionsConfig: { CapacityProviderOperatorRoleArn: { 'Fn::GetAtt': ['ManagedInstancesOperatorRole', 'Arn'] } },
      InstanceRequirements: instanceRequirements,
      ...(maxVCpu ? { CapacityProviderScalingConfig: { MaxVCpuCount: maxVCpu } } : {}),
    },
  };
  // The role Lambda assumes to launch and manage the instances: AWS's managed policy for exactly that.
  const operatorRole = {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'lambda.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
      ManagedPolicyArns: [{ 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/${OPERATOR_POLICY}` }],
    },
  };
  const onCapacityProvider = () => ({
    Properties: {
      CapacityProviderConfig: {
        LambdaManagedInstancesCapacityProviderConfig: {
          CapacityProviderArn: { 'Fn::GetAtt': ['ManagedInstancesCapacityProvider', 'Arn'] },
          PerExecutionEnvironmentMaxConcurrency: maxConcurrency,
          ExecutionEnvironmentMemoryGiBPerVCpu: memoryPerVCpu,
        },
      },
      // Every deploy republishes $LATEST.PUBLISHED, the version Lambda runs when an LMI function is
      // invoked by its unqualified ARN: the HTTP API, the SQS event source mapping and their
      // permissions keep pointing at the function and reach the published version.
      PublishToLatestPublished: true,
    },
  });
  return {
    Resources: { ManagedInstancesOperatorRole: operatorRole, ManagedInstancesCapacityProvider: capacityProvider },
    extensions: Object.fromEntries(MANAGED_FUNCTIONS.map((name) => [FUNCTIONS[name], onCapacityProvider()])),
  };
};
