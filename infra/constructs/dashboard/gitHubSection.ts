import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { type DashboardSection, graph, QUARTER } from './dashboardSection.ts';

/** The App's REST quota, what the reconciler spends of it, and the errors GitHub answered. */
export const gitHubSection: DashboardSection = {
  title: 'GitHub',
  description: 'The App’s REST quota, what the reconciler spends of it, and the errors GitHub answered.',
  rows: ({ config, metric }) => {
    const app = { App: String(config.github.appId) };
    const quarter = (title: string, left: cloudwatch.IMetric[]) => graph({ title, left, width: QUARTER });
    return [
      [
        quarter('GitHub rate limit remaining', [
          metric('GitHubRateLimitRemaining', app, {
            statistic: 'Minimum',
            label: `App ${config.github.appId}`,
          }),
        ]),
        quarter('Reconciler GitHub calls per run', [
          metric('ReconcilerGitHubCalls', app, {
            statistic: 'Maximum',
            label: `most in a run (budget ${config.reconciler.maxGitHubCallsPerRun})`,
          }),
        ]),
        quarter('Failed webhook deliveries asked for again', [
          metric('WebhooksRedelivered', app, { statistic: 'Sum', label: 'redelivered' }),
        ]),
        quarter(
          'GitHub API errors',
          (['github', 'github-rate-limit'] as const).map((kind) =>
            metric('Errors', { Kind: kind }, { statistic: 'Sum', label: kind }),
          ),
        ),
      ],
    ];
  },
};
