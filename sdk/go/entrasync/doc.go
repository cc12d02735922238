// Keeps a Microsoft Entra provisioning (synchronization) job running: starts it on create and whenever its triggers change (pulumi-entra-sync's SyncJobStart as a provider plugin).
package entrasync
