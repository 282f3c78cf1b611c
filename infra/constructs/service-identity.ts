import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';

/** A project-level role, optionally narrowed by an IAM condition. */
export interface ProjectRole {
  readonly role: string;
  readonly condition?: { readonly title: string; readonly expression: string };
}

export interface ServiceIdentityProps {
  readonly project: string;
  /** Account id, 6-30 characters: `<prefix>-<slug>`. */
  readonly accountId: string;
  readonly displayName: string;
  readonly projectRoles: readonly ProjectRole[];
  readonly dependsOn: ITerraformDependable[];
}

/**
 * A service account and its project-level roles. Resource-level grants (a bucket, a topic, a
 * Cloud Run service) are made where the resource is, by whoever owns it.
 */
export class ServiceIdentity extends Construct {
  readonly account: ServiceAccount;
  /** Project-level grants, for `dependsOn` of whatever needs them at first start. */
  readonly grants: readonly ProjectIamMember[];

  constructor(scope: Construct, id: string, props: ServiceIdentityProps) {
    super(scope, id);
    const { project, accountId, displayName, projectRoles, dependsOn } = props;
    this.account = new ServiceAccount(this, 'account', { project, accountId, displayName, dependsOn });
    this.grants = projectRoles.map(
      ({ role, condition }) =>
        new ProjectIamMember(this, role.replace('roles/', '').replace(/\./g, '-'), {
          project,
          role,
          member: this.account.member,
          ...(condition === undefined ? {} : { condition: { ...condition } }),
        }),
    );
  }
}
