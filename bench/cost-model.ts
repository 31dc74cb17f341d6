// What a million published messages cost on classic Lambda and on Lambda Managed Instances (LMI),
// from measured figures and AWS's prices: a pure function, so BENCHMARKS.md's table is computed
// from the run, never typed. One message per invocation (the HTTP publish function).
//
//   classic: billed ms per invocation x memory (GB) x price per GB-second, + the request charge
//   LMI:     instance-seconds needed = CPU seconds per message / (vCPUs per instance x utilization),
//            x (the on-demand price + the management fee), + the request charge; and at least
//            `minInstances` instances run all month whatever the volume (the floor)

/** Where a price comes from, and whether an AWS page showed the figure itself. */
export interface PriceSource {
  what: string;
  value: string;
  title: string;
  url: string;
  /** The date the page was read. */
  read: string;
  /** False when the figure could not be read on an AWS page (the page renders it client-side, or no AWS page was found). */
  confirmedOnAwsPage: boolean;
  note?: string;
}

export interface Prices {
  region: string;
  /** $ per million requests, classic functions. */
  lambdaRequestPerMillion: number;
  /** $ per GB-second of billed duration, arm64, first tier (up to 7.5 billion GB-seconds a month). */
  lambdaArmGbSecond: number;
  /** $ per million requests, functions on LMI. */
  lmiRequestPerMillion: number;
  /** LMI's management fee, as a fraction of the instance's EC2 on-demand price. */
  lmiManagementFee: number;
  /** The instance type assumed, its vCPUs and its EC2 on-demand price ($ per hour, Linux). */
  instanceType: string;
  instanceVcpus: number;
  instanceHourly: number;
  /** Instances LMI keeps running per published function version, whatever the traffic. */
  minInstances: number;
  sources: PriceSource[];
}

const READ = '2026-12-07';

/** us-east-1, read on the date in `sources`; see BENCHMARKS.md for which figures an AWS page confirmed. */
export const PRICES: Prices = {
  region: 'us-east-1',
  lambdaRequestPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  lmiRequestPerMillion: 0.2,
  lmiManagementFee: 0.15,
  instanceType: 'm7g.large',
  instanceVcpus: 2,
  instanceHourly: 0.0816,
  minInstances: 3,
  sources: [
    {
      what: 'Lambda requests',
      value: '$0.20 per million',
      title: 'Lambda - How AWS Pricing Works (AWS whitepaper)',
      url: 'https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html',
      read: READ,
      confirmedOnAwsPage: true,
    },
    {
      what: 'Lambda duration, arm64, first tier',
      value: '$0.0000133334 per GB-second',
      title: 'AWS Lambda Pricing Breakdown: Ultimate Guide 2024 (cloudchipr.com)',
      url: 'https://cloudchipr.com/blog/aws-lambda-pricing',
      read: READ,
      confirmedOnAwsPage: false,
      note: "AWS's own page (AWS Lambda pricing, aws.amazon.com/lambda/pricing) fills its rate tables in client-side, so the figure is not in its text; the whitepaper above gives the x86 rate ($0.00001667), which matches this page's x86 figure",
    },
    {
      what: 'LMI requests',
      value: '$0.20 per million',
      title: 'Lambda Managed Instances: A Working Demo and the Math Behind It (edjgeek.com)',
      url: 'https://edjgeek.com/blog/lambda-managed-instances/',
      read: READ,
      confirmedOnAwsPage: false,
      note: 'also in a transcription of AWS Lambda pricing dated 2026-09-20 (api-evangelist/aws-lambda, plans/aws-lambda-plans-pricing.yml); AWS Lambda pricing (aws.amazon.com/lambda/pricing) has a Lambda Managed Instances section, but the text of it that could be read stops before its figures',
    },
    {
      what: 'LMI management fee',
      value: '15% of the EC2 on-demand price of the instance',
      title: 'Lambda Managed Instances: A Working Demo and the Math Behind It (edjgeek.com)',
      url: 'https://edjgeek.com/blog/lambda-managed-instances/',
      read: READ,
      confirmedOnAwsPage: false,
      note: 'the same transcription of AWS Lambda pricing says "15% premium on the EC2 on-demand instance price"',
    },
    {
      what: 'EC2 m7g.large on-demand, Linux',
      value: '$0.0816 per hour (2 vCPU, 8 GiB)',
      title: 'Amazon EC2 On-Demand Pricing: Instance Families, Regional Multipliers, and the Graviton Crossover (2026) (factualminds.com)',
      url: 'https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/',
      read: READ,
      confirmedOnAwsPage: false,
      note: "AWS's EC2 on-demand price list is rendered client-side; no price for c7g.large was found at all",
    },
    {
      what: 'LMI instances per published version, at least',
      value: '3, for Availability Zone resiliency, each with an execution environment',
      title: 'Scaling Lambda Managed Instances (AWS Lambda Developer Guide)',
      url: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html',
      read: READ,
      confirmedOnAwsPage: true,
      note: 'the guide says three "by default"; the API\'s FunctionScalingConfig takes MinExecutionEnvironments from 0, and whether that lowers the instance floor could not be confirmed',
    },
    {
      what: 'CPU share of a classic function',
      value: 'one vCPU at 1,769 MB, in proportion below',
      title: 'Configure Lambda function memory (AWS Lambda Developer Guide)',
      url: 'https://docs.aws.amazon.com/lambda/latest/dg/resource-model.html',
      read: READ,
      confirmedOnAwsPage: true,
    },
  ],
};

export const HOURS_PER_MONTH = 730;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

export interface CostInputs {
  /** Classic: mean billed duration of one invocation (whole ms, at the function's memory). */
  classicBilledMs: number;
  classicMemoryMb: number;
  /** LMI: CPU time one message costs the function's thread, µs. */
  lmiCpuUsPerMessage: number;
  /** The share of the instances' vCPUs the function keeps busy (scaling keeps headroom). */
  utilization: number;
}

export interface CostBreakdown {
  /** $ per million messages. */
  compute: number;
  fee: number;
  requests: number;
  total: number;
}

export interface CostModel {
  classic: CostBreakdown;
  /** Above the floor: instance time in proportion to the messages. */
  lmi: CostBreakdown;
  /** Messages per second one instance carries at the utilization. */
  lmiPerInstancePerSecond: number;
  /** $ per month for `minInstances` instances, with the fee, however few messages come. */
  lmiFloorPerMonth: number;
  /** Messages per second the floor's instances carry. */
  lmiFloorCapacityPerSecond: number;
  /** Steady messages per second above which LMI costs less than classic; Infinity when it never does. */
  breakEvenPerSecond: number;
}

export function costModel(prices: Prices, inputs: CostInputs): CostModel {
  const perMillion = 1e6;
  const classicCompute = perMillion * (inputs.classicBilledMs / 1000) * (inputs.classicMemoryMb / 1024) * prices.lambdaArmGbSecond;
  const classic = {
    compute: classicCompute,
    fee: 0,
    requests: prices.lambdaRequestPerMillion,
    total: classicCompute + prices.lambdaRequestPerMillion,
  };
  const lmiPerInstancePerSecond = (prices.instanceVcpus * inputs.utilization) / (inputs.lmiCpuUsPerMessage / 1e6);
  const instanceHours = perMillion / lmiPerInstancePerSecond / 3600;
  const lmi = {
    compute: instanceHours * prices.instanceHourly,
    fee: instanceHours * prices.instanceHourly * prices.lmiManagementFee,
    requests: prices.lmiRequestPerMillion,
    total: 0,
  };
  lmi.total = lmi.compute + lmi.fee + lmi.requests;
  const lmiFloorPerMonth = prices.minInstances * prices.instanceHourly * (1 + prices.lmiManagementFee) * HOURS_PER_MONTH;
  const lmiFloorCapacityPerSecond = prices.minInstances * lmiPerInstancePerSecond;
  // Within the floor's capacity LMI costs the floor plus its requests; classic grows with the
  // messages. Past that capacity LMI grows by lmi.total per million: if classic is still cheaper
  // there, it stays cheaper.
  const classicOverLmiPerMessage = (classic.total - lmi.requests) / perMillion;
  const atFloor = classicOverLmiPerMessage > 0 ? lmiFloorPerMonth / (SECONDS_PER_MONTH * classicOverLmiPerMessage) : Number.POSITIVE_INFINITY;
  const breakEvenPerSecond = atFloor <= lmiFloorCapacityPerSecond ? atFloor : Number.POSITIVE_INFINITY;
  return { classic, lmi, lmiPerInstancePerSecond, lmiFloorPerMonth, lmiFloorCapacityPerSecond, breakEvenPerSecond };
}
