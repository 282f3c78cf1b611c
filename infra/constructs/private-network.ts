import { Construct } from 'constructs';
import type { ITerraformDependable } from 'cdktf';
import { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import { ComputeGlobalAddress } from '@cdktf/provider-google/lib/compute-global-address/index.js';
import { ServiceNetworkingConnection } from '@cdktf/provider-google/lib/service-networking-connection/index.js';
import { VpcAccessConnector } from '@cdktf/provider-google/lib/vpc-access-connector/index.js';
import type { MetdbInfraConfig } from '../config.js';

/**
 * The private path from the functions to Cloud SQL: a VPC of Met-db's own, private services
 * access (a peered range where Cloud SQL gets its private IP) and a Serverless VPC Access
 * connector the functions send their private-range traffic through. The database then needs no
 * public IP at all. (gen2 functions in provider 6.x take a connector, not Direct VPC egress.)
 */
export class PrivateNetwork extends Construct {
  readonly network: ComputeNetwork;
  readonly connector: VpcAccessConnector;
  /** Cloud SQL must wait for the peering before it can take a private IP. */
  readonly peering: ServiceNetworkingConnection;

  constructor(scope: Construct, id: string, config: MetdbInfraConfig, dependsOn: ITerraformDependable[]) {
    super(scope, id);
    const { project, region, namePrefix, network } = config;
    this.network = new ComputeNetwork(this, 'vpc', {
      project,
      name: `${namePrefix}-vpc`,
      autoCreateSubnetworks: false,
      dependsOn,
    });
    const range = new ComputeGlobalAddress(this, 'sql-range', {
      project,
      name: `${namePrefix}-sql-range`,
      purpose: 'VPC_PEERING',
      addressType: 'INTERNAL',
      prefixLength: network.privateServicesPrefixLength,
      network: this.network.id,
    });
    this.peering = new ServiceNetworkingConnection(this, 'sql-peering', {
      network: this.network.id,
      service: 'servicenetworking.googleapis.com',
      reservedPeeringRanges: [range.name],
    });
    this.connector = new VpcAccessConnector(this, 'connector', {
      project,
      region,
      // Connector names are at most 25 characters.
      name: `${namePrefix.slice(0, 14)}-conn`,
      network: this.network.name,
      ipCidrRange: network.connectorCidr,
      machineType: 'e2-micro',
      minInstances: 2,
      maxInstances: network.connectorMaxInstances,
      dependsOn,
    });
  }
}
