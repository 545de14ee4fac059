package iam

// This file holds Parapet's own table of privilege-escalation techniques.
// Each entry is keyed by the id the public pathfinding.cloud catalogue gives
// the technique (iam-001, lambda-003, ...), so findings can be looked up
// there, but what the analysis needs — which action on which resource, what
// it gains, which existing resource it depends on — is written here, in the
// terms the escalation graph works with.

import "sync"

// Category groups techniques the way the catalogue does.
type Category string

// Categories of technique.
const (
	CategorySelfEscalation   Category = "self-escalation"   // the actor changes its own permissions
	CategoryPrincipalAccess  Category = "principal-access"  // the actor obtains another principal's credentials or session
	CategoryNewPassRole      Category = "new-passrole"      // the actor passes a role to a compute resource it creates
	CategoryExistingPassRole Category = "existing-passrole" // the actor takes over a compute resource that already runs as a role
)

// Target says which principal a technique reaches.
type Target int

// Targets of a technique.
const (
	// TargetSelf: the actor itself (policies attached to it, or to a group
	// it belongs to).
	TargetSelf Target = iota
	// TargetGroup: a group the actor, a user, can add itself to.
	TargetGroup
	// TargetUser: another IAM user.
	TargetUser
	// TargetRole: another role, reached by assuming it.
	TargetRole
	// TargetPassedRole: a role the actor passes to a new compute resource;
	// the role must trust one of the technique's Services.
	TargetPassedRole
	// TargetWorkloadRole: the role an existing workload of kind Needs runs as.
	TargetWorkloadRole
)

// On says what the Resource of one required action is.
type On int

// Resources a required action is evaluated on.
const (
	// OnAny: an action without resource-level permissions, or one that
	// creates a resource the actor names freely (a new function, project,
	// job): any resource of the right type will do.
	OnAny On = iota
	// OnTarget: the target principal (role, user or group) itself.
	OnTarget
	// OnAttachedPolicy: a customer-managed policy attached to the target.
	OnAttachedPolicy
	// OnWorkload: the existing workload (function, instance, stack, ...).
	OnWorkload
	// OnOwnGroup: a group the actor, a user, belongs to.
	OnOwnGroup
)

func (o On) String() string {
	switch o {
	case OnTarget:
		return "target"
	case OnAttachedPolicy:
		return "attached-policy"
	case OnWorkload:
		return "workload"
	case OnOwnGroup:
		return "own-group"
	}
	return "any"
}

// Gain says what the actor obtains at the end of a technique.
type Gain int

// What a technique gains.
const (
	// GainIdentity: the target's current identity and permissions.
	GainIdentity Gain = iota
	// GainControl: the power to give the target any permission (within its
	// permissions boundary and the organisation's SCPs) and act as it.
	GainControl
)

func (g Gain) String() string {
	if g == GainControl {
		return "control"
	}
	return "identity"
}

// Requirement is one action a technique needs and the resource it must be
// allowed on.
type Requirement struct {
	Action string
	On     On
}

// Workload kinds: existing compute resources that run as a role.
const (
	WorkloadLambda          = "lambda-function"
	WorkloadEC2Instance     = "ec2-instance"
	WorkloadLaunchTemplate  = "ec2-launch-template"
	WorkloadGlueDevEndpoint = "glue-dev-endpoint"
	WorkloadGlueJob         = "glue-job"
	WorkloadStack           = "cloudformation-stack"
	WorkloadStackSet        = "cloudformation-stackset"
	WorkloadNotebook        = "sagemaker-notebook"
	WorkloadCodeBuild       = "codebuild-project"
	WorkloadECSCluster      = "ecs-cluster"
	WorkloadAppRunner       = "apprunner-service"
	WorkloadCodeInterpreter = "agentcore-code-interpreter"
	WorkloadEventSource     = "event-source" // DynamoDB stream, Kinesis stream or SQS queue
)

// Technique is one way to escalate privileges.
type Technique struct {
	ID       string // the catalogue id, e.g. "iam-001"
	Name     string // the actions, as the catalogue titles it
	Category Category
	Target   Target
	Gain     Gain
	// Actor, when set, is the only kind of principal ("user" or "role")
	// the technique applies to.
	Actor string
	// Requires lists every action the technique needs, each with the
	// resource it must be allowed on.
	Requires []Requirement
	// Services are the service principals a passed or workload role must
	// trust ("lambda.amazonaws.com"); empty for techniques without one.
	Services []string
	// Needs is the kind of existing resource the technique depends on
	// (WorkloadLambda, ...). For TargetWorkloadRole the workload runs as the
	// target; for others (an ECS cluster to run a task on) it only has to
	// exist. Without an inventory of that kind, a path is potential.
	Needs string
	// Remediation is the least-privilege change that removes the technique.
	Remediation string

	once    sync.Once
	actions []string
}

func req(action string, on On) Requirement { return Requirement{Action: action, On: on} }

const (
	fixPassRole = "Scope iam:PassRole to the roles this principal must pass, with an iam:PassedToService condition, and never to administrative roles"
	fixIAMWrite = "Remove this IAM write action from the principal or scope its Resource to principals and policies it must manage; add a permissions boundary that denies it"
)

// Techniques is the rule table, in catalogue order. Keys are the
// pathfinding.cloud ids; the table itself is Parapet's.
var Techniques = []*Technique{
	{ID: "apprunner-001", Name: "iam:PassRole + apprunner:CreateService", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("apprunner:CreateService", OnAny)},
		Services: []string{"tasks.apprunner.amazonaws.com"}, Remediation: fixPassRole + "; restrict apprunner:CreateService"},
	{ID: "apprunner-002", Name: "apprunner:UpdateService", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("apprunner:UpdateService", OnWorkload)},
		Services: []string{"tasks.apprunner.amazonaws.com"}, Needs: WorkloadAppRunner,
		Remediation: "Scope apprunner:UpdateService to services whose instance role is no more privileged than the principal"},
	{ID: "bedrock-001", Name: "iam:PassRole + bedrock-agentcore:CreateCodeInterpreter + StartCodeInterpreterSession + InvokeCodeInterpreter", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("bedrock-agentcore:CreateCodeInterpreter", OnAny), req("bedrock-agentcore:StartCodeInterpreterSession", OnAny), req("bedrock-agentcore:InvokeCodeInterpreter", OnAny)},
		Services: []string{"bedrock-agentcore.amazonaws.com"}, Remediation: fixPassRole + "; restrict bedrock-agentcore:CreateCodeInterpreter"},
	{ID: "bedrock-002", Name: "bedrock-agentcore:StartCodeInterpreterSession + InvokeCodeInterpreter", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("bedrock-agentcore:StartCodeInterpreterSession", OnWorkload), req("bedrock-agentcore:InvokeCodeInterpreter", OnWorkload)},
		Services: []string{"bedrock-agentcore.amazonaws.com"}, Needs: WorkloadCodeInterpreter,
		Remediation: "Scope bedrock-agentcore:StartCodeInterpreterSession and InvokeCodeInterpreter to interpreters whose execution role is no more privileged than the principal"},
	{ID: "cloudformation-001", Name: "iam:PassRole + cloudformation:CreateStack", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("cloudformation:CreateStack", OnAny)},
		Services: []string{"cloudformation.amazonaws.com"}, Remediation: fixPassRole + "; require the cloudformation:RoleArn condition on CreateStack"},
	{ID: "cloudformation-002", Name: "cloudformation:UpdateStack", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("cloudformation:UpdateStack", OnWorkload)},
		Services: []string{"cloudformation.amazonaws.com"}, Needs: WorkloadStack,
		Remediation: "Scope cloudformation:UpdateStack to stacks whose service role is no more privileged than the principal"},
	{ID: "cloudformation-003", Name: "iam:PassRole + cloudformation:CreateStackSet + cloudformation:CreateStackInstances", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("cloudformation:CreateStackSet", OnAny), req("cloudformation:CreateStackInstances", OnAny)},
		Services: []string{"cloudformation.amazonaws.com"}, Remediation: fixPassRole + "; restrict cloudformation:CreateStackSet"},
	{ID: "cloudformation-004", Name: "iam:PassRole + cloudformation:UpdateStackSet", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("cloudformation:UpdateStackSet", OnAny)},
		Services: []string{"cloudformation.amazonaws.com"}, Needs: WorkloadStackSet,
		Remediation: fixPassRole + "; scope cloudformation:UpdateStackSet to stack sets the principal owns"},
	{ID: "cloudformation-005", Name: "cloudformation:CreateChangeSet + cloudformation:ExecuteChangeSet", Category: CategoryNewPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("cloudformation:CreateChangeSet", OnWorkload), req("cloudformation:ExecuteChangeSet", OnWorkload)},
		Services: []string{"cloudformation.amazonaws.com"}, Needs: WorkloadStack,
		Remediation: "Scope cloudformation:CreateChangeSet and ExecuteChangeSet to stacks whose service role is no more privileged than the principal"},
	{ID: "codebuild-001", Name: "iam:PassRole + codebuild:CreateProject + codebuild:StartBuild", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("codebuild:CreateProject", OnAny), req("codebuild:StartBuild", OnAny)},
		Services: []string{"codebuild.amazonaws.com"}, Remediation: fixPassRole + "; restrict codebuild:CreateProject"},
	{ID: "codebuild-002", Name: "codebuild:StartBuild", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("codebuild:StartBuild", OnWorkload)},
		Services: []string{"codebuild.amazonaws.com"}, Needs: WorkloadCodeBuild,
		Remediation: "Scope codebuild:StartBuild to projects whose service role is no more privileged than the principal, or deny buildspec overrides"},
	{ID: "codebuild-003", Name: "codebuild:StartBuildBatch", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("codebuild:StartBuildBatch", OnWorkload)},
		Services: []string{"codebuild.amazonaws.com"}, Needs: WorkloadCodeBuild,
		Remediation: "Scope codebuild:StartBuildBatch to projects whose service role is no more privileged than the principal"},
	{ID: "codebuild-004", Name: "iam:PassRole + codebuild:CreateProject + codebuild:StartBuildBatch", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("codebuild:CreateProject", OnAny), req("codebuild:StartBuildBatch", OnAny)},
		Services: []string{"codebuild.amazonaws.com"}, Remediation: fixPassRole + "; restrict codebuild:CreateProject"},
	{ID: "datapipeline-001", Name: "iam:PassRole + datapipeline:CreatePipeline + PutPipelineDefinition + ActivatePipeline", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("datapipeline:CreatePipeline", OnAny), req("datapipeline:PutPipelineDefinition", OnAny), req("datapipeline:ActivatePipeline", OnAny)},
		Services: []string{"datapipeline.amazonaws.com", "elasticmapreduce.amazonaws.com"}, Remediation: fixPassRole + "; restrict datapipeline:CreatePipeline"},
	{ID: "ec2instanceconnect-003", Name: "ec2-instance-connect:SendSSHPublicKey", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("ec2-instance-connect:SendSSHPublicKey", OnWorkload), req("ec2:DescribeInstances", OnAny)},
		Services: []string{"ec2.amazonaws.com"}, Needs: WorkloadEC2Instance,
		Remediation: "Scope ec2-instance-connect:SendSSHPublicKey to instances whose role is no more privileged than the principal"},
	{ID: "ec2-001", Name: "iam:PassRole + ec2:RunInstances", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("ec2:RunInstances", OnAny)},
		Services: []string{"ec2.amazonaws.com"}, Remediation: fixPassRole},
	{ID: "ec2-002", Name: "ec2:ModifyInstanceAttribute + ec2:StopInstances + ec2:StartInstances", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("ec2:ModifyInstanceAttribute", OnWorkload), req("ec2:StopInstances", OnWorkload), req("ec2:StartInstances", OnWorkload)},
		Services: []string{"ec2.amazonaws.com"}, Needs: WorkloadEC2Instance,
		Remediation: "Scope ec2:ModifyInstanceAttribute to instances whose role is no more privileged than the principal"},
	{ID: "ec2-003", Name: "iam:PassRole + ec2:RequestSpotInstances", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("ec2:RequestSpotInstances", OnAny)},
		Services: []string{"ec2.amazonaws.com"}, Remediation: fixPassRole},
	{ID: "ec2-004", Name: "ec2:CreateLaunchTemplateVersion + ec2:ModifyLaunchTemplate", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("ec2:CreateLaunchTemplateVersion", OnWorkload), req("ec2:ModifyLaunchTemplate", OnWorkload)},
		Services: []string{"ec2.amazonaws.com"}, Needs: WorkloadLaunchTemplate,
		Remediation: "Scope ec2:CreateLaunchTemplateVersion and ModifyLaunchTemplate to templates whose instance profile is no more privileged than the principal"},
	{ID: "ecs-001", Name: "iam:PassRole + ecs:CreateCluster + ecs:RegisterTaskDefinition + ecs:CreateService", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("ecs:CreateCluster", OnAny), req("ecs:RegisterTaskDefinition", OnAny), req("ecs:CreateService", OnAny)},
		Services: []string{"ecs-tasks.amazonaws.com"}, Remediation: fixPassRole + "; restrict ecs:RegisterTaskDefinition"},
	{ID: "ecs-002", Name: "iam:PassRole + ecs:CreateCluster + ecs:RegisterTaskDefinition + ecs:RunTask", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("ecs:CreateCluster", OnAny), req("ecs:RegisterTaskDefinition", OnAny), req("ecs:RunTask", OnAny)},
		Services: []string{"ecs-tasks.amazonaws.com"}, Remediation: fixPassRole + "; restrict ecs:RegisterTaskDefinition"},
	{ID: "ecs-003", Name: "iam:PassRole + ecs:RegisterTaskDefinition + ecs:CreateService", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("ecs:RegisterTaskDefinition", OnAny), req("ecs:CreateService", OnAny)},
		Services: []string{"ecs-tasks.amazonaws.com"}, Needs: WorkloadECSCluster, Remediation: fixPassRole + "; restrict ecs:RegisterTaskDefinition"},
	{ID: "ecs-004", Name: "iam:PassRole + ecs:RegisterTaskDefinition + ecs:RunTask", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("ecs:RegisterTaskDefinition", OnAny), req("ecs:RunTask", OnAny)},
		Services: []string{"ecs-tasks.amazonaws.com"}, Needs: WorkloadECSCluster, Remediation: fixPassRole + "; restrict ecs:RegisterTaskDefinition"},
	{ID: "ecs-005", Name: "iam:PassRole + ecs:RegisterTaskDefinition + ecs:StartTask", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("ecs:RegisterTaskDefinition", OnAny), req("ecs:StartTask", OnAny)},
		Services: []string{"ecs-tasks.amazonaws.com"}, Needs: WorkloadECSCluster, Remediation: fixPassRole + "; restrict ecs:RegisterTaskDefinition"},
	{ID: "glue-001", Name: "iam:PassRole + glue:CreateDevEndpoint", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("glue:CreateDevEndpoint", OnAny)},
		Services: []string{"glue.amazonaws.com"}, Remediation: fixPassRole + "; restrict glue:CreateDevEndpoint"},
	{ID: "glue-002", Name: "glue:UpdateDevEndpoint", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("glue:UpdateDevEndpoint", OnWorkload)},
		Services: []string{"glue.amazonaws.com"}, Needs: WorkloadGlueDevEndpoint,
		Remediation: "Scope glue:UpdateDevEndpoint to endpoints whose role is no more privileged than the principal"},
	{ID: "glue-003", Name: "iam:PassRole + glue:CreateJob + glue:StartJobRun", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("glue:CreateJob", OnAny), req("glue:StartJobRun", OnAny)},
		Services: []string{"glue.amazonaws.com"}, Remediation: fixPassRole + "; restrict glue:CreateJob"},
	{ID: "glue-004", Name: "iam:PassRole + glue:CreateJob + glue:CreateTrigger", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("glue:CreateJob", OnAny), req("glue:CreateTrigger", OnAny)},
		Services: []string{"glue.amazonaws.com"}, Remediation: fixPassRole + "; restrict glue:CreateJob"},
	{ID: "glue-005", Name: "iam:PassRole + glue:UpdateJob + glue:StartJobRun", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("glue:UpdateJob", OnAny), req("glue:StartJobRun", OnAny)},
		Services: []string{"glue.amazonaws.com"}, Needs: WorkloadGlueJob, Remediation: fixPassRole + "; scope glue:UpdateJob to jobs the principal owns"},
	{ID: "glue-006", Name: "iam:PassRole + glue:UpdateJob + glue:CreateTrigger", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("glue:UpdateJob", OnAny), req("glue:CreateTrigger", OnAny)},
		Services: []string{"glue.amazonaws.com"}, Needs: WorkloadGlueJob, Remediation: fixPassRole + "; scope glue:UpdateJob to jobs the principal owns"},
	{ID: "iam-001", Name: "iam:CreatePolicyVersion", Category: CategorySelfEscalation, Target: TargetSelf, Gain: GainControl,
		Requires: []Requirement{req("iam:CreatePolicyVersion", OnAttachedPolicy)}, Remediation: fixIAMWrite},
	{ID: "iam-002", Name: "iam:CreateAccessKey", Category: CategoryPrincipalAccess, Target: TargetUser,
		Requires:    []Requirement{req("iam:CreateAccessKey", OnTarget)},
		Remediation: "Scope iam:CreateAccessKey to the principal's own user (arn:aws:iam::ACCOUNT:user/${aws:username})"},
	{ID: "iam-003", Name: "iam:CreateAccessKey + iam:DeleteAccessKey", Category: CategoryPrincipalAccess, Target: TargetUser,
		Requires:    []Requirement{req("iam:CreateAccessKey", OnTarget), req("iam:DeleteAccessKey", OnTarget)},
		Remediation: "Scope iam:CreateAccessKey and iam:DeleteAccessKey to the principal's own user (arn:aws:iam::ACCOUNT:user/${aws:username})"},
	{ID: "iam-004", Name: "iam:CreateLoginProfile", Category: CategoryPrincipalAccess, Target: TargetUser,
		Requires:    []Requirement{req("iam:CreateLoginProfile", OnTarget)},
		Remediation: "Scope iam:CreateLoginProfile to the principal's own user, or remove it"},
	{ID: "iam-005", Name: "iam:PutRolePolicy", Category: CategorySelfEscalation, Target: TargetSelf, Gain: GainControl, Actor: "role",
		Requires: []Requirement{req("iam:PutRolePolicy", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "iam-006", Name: "iam:UpdateLoginProfile", Category: CategoryPrincipalAccess, Target: TargetUser,
		Requires:    []Requirement{req("iam:UpdateLoginProfile", OnTarget)},
		Remediation: "Scope iam:UpdateLoginProfile to the principal's own user, or remove it"},
	{ID: "iam-007", Name: "iam:PutUserPolicy", Category: CategorySelfEscalation, Target: TargetSelf, Gain: GainControl, Actor: "user",
		Requires: []Requirement{req("iam:PutUserPolicy", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "iam-008", Name: "iam:AttachUserPolicy", Category: CategorySelfEscalation, Target: TargetSelf, Gain: GainControl, Actor: "user",
		Requires: []Requirement{req("iam:AttachUserPolicy", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "iam-009", Name: "iam:AttachRolePolicy", Category: CategorySelfEscalation, Target: TargetSelf, Gain: GainControl, Actor: "role",
		Requires: []Requirement{req("iam:AttachRolePolicy", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "iam-010", Name: "iam:AttachGroupPolicy", Category: CategorySelfEscalation, Target: TargetSelf, Gain: GainControl, Actor: "user",
		Requires: []Requirement{req("iam:AttachGroupPolicy", OnOwnGroup)}, Remediation: fixIAMWrite},
	{ID: "iam-011", Name: "iam:PutGroupPolicy", Category: CategorySelfEscalation, Target: TargetSelf, Gain: GainControl, Actor: "user",
		Requires: []Requirement{req("iam:PutGroupPolicy", OnOwnGroup)}, Remediation: fixIAMWrite},
	{ID: "iam-012", Name: "iam:UpdateAssumeRolePolicy", Category: CategoryPrincipalAccess, Target: TargetRole,
		Requires:    []Requirement{req("iam:UpdateAssumeRolePolicy", OnTarget)},
		Remediation: "Scope iam:UpdateAssumeRolePolicy to roles no more privileged than the principal, or remove it"},
	{ID: "iam-013", Name: "iam:AddUserToGroup", Category: CategorySelfEscalation, Target: TargetGroup, Actor: "user",
		Requires:    []Requirement{req("iam:AddUserToGroup", OnTarget)},
		Remediation: "Scope iam:AddUserToGroup to groups no more privileged than the principal, or remove it"},
	{ID: "iam-014", Name: "iam:AttachRolePolicy + sts:AssumeRole", Category: CategoryPrincipalAccess, Target: TargetRole, Gain: GainControl,
		Requires: []Requirement{req("iam:AttachRolePolicy", OnTarget), req("sts:AssumeRole", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "iam-015", Name: "iam:AttachUserPolicy + iam:CreateAccessKey", Category: CategoryPrincipalAccess, Target: TargetUser, Gain: GainControl,
		Requires: []Requirement{req("iam:AttachUserPolicy", OnTarget), req("iam:CreateAccessKey", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "iam-016", Name: "iam:CreatePolicyVersion + sts:AssumeRole", Category: CategoryPrincipalAccess, Target: TargetRole, Gain: GainControl,
		Requires: []Requirement{req("iam:CreatePolicyVersion", OnAttachedPolicy), req("sts:AssumeRole", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "iam-017", Name: "iam:PutRolePolicy + sts:AssumeRole", Category: CategoryPrincipalAccess, Target: TargetRole, Gain: GainControl,
		Requires: []Requirement{req("iam:PutRolePolicy", OnTarget), req("sts:AssumeRole", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "iam-018", Name: "iam:PutUserPolicy + iam:CreateAccessKey", Category: CategoryPrincipalAccess, Target: TargetUser, Gain: GainControl,
		Requires: []Requirement{req("iam:PutUserPolicy", OnTarget), req("iam:CreateAccessKey", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "iam-019", Name: "iam:AttachRolePolicy + iam:UpdateAssumeRolePolicy", Category: CategoryPrincipalAccess, Target: TargetRole, Gain: GainControl,
		Requires: []Requirement{req("iam:AttachRolePolicy", OnTarget), req("iam:UpdateAssumeRolePolicy", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "iam-020", Name: "iam:CreatePolicyVersion + iam:UpdateAssumeRolePolicy", Category: CategoryPrincipalAccess, Target: TargetRole, Gain: GainControl,
		Requires: []Requirement{req("iam:CreatePolicyVersion", OnAttachedPolicy), req("iam:UpdateAssumeRolePolicy", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "iam-021", Name: "iam:PutRolePolicy + iam:UpdateAssumeRolePolicy", Category: CategoryPrincipalAccess, Target: TargetRole, Gain: GainControl,
		Requires: []Requirement{req("iam:PutRolePolicy", OnTarget), req("iam:UpdateAssumeRolePolicy", OnTarget)}, Remediation: fixIAMWrite},
	{ID: "lambda-001", Name: "iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("lambda:CreateFunction", OnAny), req("lambda:InvokeFunction", OnAny)},
		Services: []string{"lambda.amazonaws.com"}, Remediation: fixPassRole + "; restrict lambda:CreateFunction"},
	{ID: "lambda-002", Name: "iam:PassRole + lambda:CreateFunction + lambda:CreateEventSourceMapping", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("lambda:CreateFunction", OnAny), req("lambda:CreateEventSourceMapping", OnAny)},
		Services: []string{"lambda.amazonaws.com"}, Needs: WorkloadEventSource, Remediation: fixPassRole + "; restrict lambda:CreateFunction"},
	{ID: "lambda-003", Name: "lambda:UpdateFunctionCode", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("lambda:UpdateFunctionCode", OnWorkload)},
		Services: []string{"lambda.amazonaws.com"}, Needs: WorkloadLambda,
		Remediation: "Scope lambda:UpdateFunctionCode to functions whose execution role is no more privileged than the principal"},
	{ID: "lambda-004", Name: "lambda:UpdateFunctionCode + lambda:InvokeFunction", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("lambda:UpdateFunctionCode", OnWorkload), req("lambda:InvokeFunction", OnWorkload)},
		Services: []string{"lambda.amazonaws.com"}, Needs: WorkloadLambda,
		Remediation: "Scope lambda:UpdateFunctionCode to functions whose execution role is no more privileged than the principal"},
	{ID: "lambda-005", Name: "lambda:UpdateFunctionCode + lambda:AddPermission", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("lambda:UpdateFunctionCode", OnWorkload), req("lambda:AddPermission", OnWorkload)},
		Services: []string{"lambda.amazonaws.com"}, Needs: WorkloadLambda,
		Remediation: "Scope lambda:UpdateFunctionCode and lambda:AddPermission to functions whose execution role is no more privileged than the principal"},
	{ID: "lambda-006", Name: "iam:PassRole + lambda:CreateFunction + lambda:AddPermission", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("lambda:CreateFunction", OnAny), req("lambda:AddPermission", OnAny)},
		Services: []string{"lambda.amazonaws.com"}, Remediation: fixPassRole + "; restrict lambda:CreateFunction"},
	{ID: "sagemaker-001", Name: "iam:PassRole + sagemaker:CreateNotebookInstance", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("sagemaker:CreateNotebookInstance", OnAny)},
		Services: []string{"sagemaker.amazonaws.com"}, Remediation: fixPassRole + "; restrict sagemaker:CreateNotebookInstance"},
	{ID: "sagemaker-002", Name: "iam:PassRole + sagemaker:CreateTrainingJob", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("sagemaker:CreateTrainingJob", OnAny)},
		Services: []string{"sagemaker.amazonaws.com"}, Remediation: fixPassRole + "; restrict sagemaker:CreateTrainingJob"},
	{ID: "sagemaker-003", Name: "iam:PassRole + sagemaker:CreateProcessingJob", Category: CategoryNewPassRole, Target: TargetPassedRole,
		Requires: []Requirement{req("iam:PassRole", OnTarget), req("sagemaker:CreateProcessingJob", OnAny)},
		Services: []string{"sagemaker.amazonaws.com"}, Remediation: fixPassRole + "; restrict sagemaker:CreateProcessingJob"},
	{ID: "sagemaker-004", Name: "sagemaker:CreatePresignedNotebookInstanceUrl", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("sagemaker:CreatePresignedNotebookInstanceUrl", OnWorkload)},
		Services: []string{"sagemaker.amazonaws.com"}, Needs: WorkloadNotebook,
		Remediation: "Scope sagemaker:CreatePresignedNotebookInstanceUrl to notebooks whose execution role is no more privileged than the principal"},
	{ID: "sagemaker-005", Name: "sagemaker:CreateNotebookInstanceLifecycleConfig + StopNotebookInstance + UpdateNotebookInstance + StartNotebookInstance", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("sagemaker:CreateNotebookInstanceLifecycleConfig", OnAny), req("sagemaker:StopNotebookInstance", OnWorkload), req("sagemaker:UpdateNotebookInstance", OnWorkload), req("sagemaker:StartNotebookInstance", OnWorkload)},
		Services: []string{"sagemaker.amazonaws.com"}, Needs: WorkloadNotebook,
		Remediation: "Scope sagemaker:UpdateNotebookInstance to notebooks whose execution role is no more privileged than the principal"},
	{ID: "ssm-001", Name: "ssm:StartSession", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("ssm:StartSession", OnWorkload)},
		Services: []string{"ec2.amazonaws.com"}, Needs: WorkloadEC2Instance,
		Remediation: "Scope ssm:StartSession to instances whose role is no more privileged than the principal (for example with an ssm:resourceTag condition)"},
	{ID: "ssm-002", Name: "ssm:SendCommand", Category: CategoryExistingPassRole, Target: TargetWorkloadRole,
		Requires: []Requirement{req("ssm:SendCommand", OnWorkload)},
		Services: []string{"ec2.amazonaws.com"}, Needs: WorkloadEC2Instance,
		Remediation: "Scope ssm:SendCommand to instances whose role is no more privileged than the principal"},
	{ID: "sts-001", Name: "sts:AssumeRole", Category: CategoryPrincipalAccess, Target: TargetRole,
		Requires:    []Requirement{req("sts:AssumeRole", OnTarget)},
		Remediation: "Narrow the role's trust policy to the principals that need it, or remove sts:AssumeRole on this role from the principal"},
}

// TechniqueByID returns the technique with the given catalogue id, or nil.
func TechniqueByID(id string) *Technique {
	for _, t := range Techniques {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Actions returns the technique's required actions, in order. The slice
// is shared: do not modify it.
func (t *Technique) Actions() []string {
	t.once.Do(func() {
		t.actions = make([]string, len(t.Requires))
		for i, r := range t.Requires {
			t.actions[i] = r.Action
		}
	})
	return t.actions
}
