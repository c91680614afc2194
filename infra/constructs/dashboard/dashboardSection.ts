import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { AutoscalerConfig } from '../../../lib/config/autoscalerConfig.ts';
import type { AutoscalerMetric } from '../autoscalerMetrics.ts';
import type { JobQueue } from '../JobQueue.ts';

/** Widths and height of the dashboard's widgets, on CloudWatch's 24-column grid. */
export const FULL = 24;
export const THIRD = 8;
export const QUARTER = 6;
export const HEIGHT = 6;

/** What a section draws from. */
export interface SectionInputs {
  readonly config: Pick<AutoscalerConfig, 'monitoring' | 'runnerClasses' | 'github' | 'reconciler'>;
  readonly metric: AutoscalerMetric;
  readonly jobQueue: JobQueue;
  readonly functions: Record<'webhook' | 'scaler' | 'census' | 'reconciler', lambda.IFunction>;
}

/** One section of the dashboard: a heading, then rows of widgets, each row laid out left to right. */
export interface DashboardSection {
  readonly title: string;
  readonly description: string;
  rows(inputs: SectionInputs): cloudwatch.IWidget[][];
}

/** A graph, a third of the width and the common height unless told otherwise. */
export function graph(props: cloudwatch.GraphWidgetProps): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ width: THIRD, height: HEIGHT, ...props });
}
