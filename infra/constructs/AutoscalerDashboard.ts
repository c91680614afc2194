import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { AutoscalerConfig } from '../../lib/config/autoscalerConfig.ts';
import { autoscalerMetrics } from './autoscalerMetrics.ts';
import { type DashboardSection, FULL, type SectionInputs } from './dashboard/dashboardSection.ts';
import { gitHubSection } from './dashboard/gitHubSection.ts';
import { jobsSection } from './dashboard/jobsSection.ts';
import { pipelineSection } from './dashboard/pipelineSection.ts';
import { runnersSection } from './dashboard/runnersSection.ts';
import type { JobQueue } from './JobQueue.ts';

export interface AutoscalerDashboardProps {
  readonly config: Pick<
    AutoscalerConfig,
    'monitoring' | 'runnerClasses' | 'github' | 'cluster' | 'reconciler'
  >;
  readonly jobQueue: JobQueue;
  readonly functions: SectionInputs['functions'];
  /** Shown at the top, with their state. @default none */
  readonly alarms?: cloudwatch.IAlarm[];
  /** @default "eks-runner-autoscaler-<cluster name>-<namespace>" */
  readonly dashboardName?: string;
}

/** Top to bottom, after the alarms. */
const SECTIONS: readonly DashboardSection[] = [jobsSection, runnersSection, pipelineSection, gitHubSection];

/**
 * One dashboard for the fleet, in four sections: the jobs (how long they wait, how many), the runners
 * (by phase against each class's capacity, why any fail, what the infrastructure killed), the
 * pipeline (queue, dead letters and the functions), and GitHub (rate limit and API errors).
 */
export class AutoscalerDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: AutoscalerDashboardProps) {
    super(scope, id);
    const { config, jobQueue, functions } = props;
    const inputs: SectionInputs = {
      config,
      metric: autoscalerMetrics(config.monitoring.metricsNamespace),
      jobQueue,
      functions,
    };

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName:
        props.dashboardName ?? `eks-runner-autoscaler-${config.cluster.name}-${config.cluster.namespace}`,
      defaultInterval: Duration.hours(3),
    });

    if (props.alarms?.length) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: FULL, height: 3 }),
      );
    }
    for (const section of SECTIONS) {
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({
          markdown: `## ${section.title}\n${section.description}`,
          width: FULL,
          height: 2,
        }),
      );
      for (const row of section.rows(inputs)) this.dashboard.addWidgets(...row);
    }
  }
}
