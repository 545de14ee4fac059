package inventory

// Node kinds. A kind is dotted: provider, service, type. Collectors use these
// constants so that every analyzer and every Rego rule can match on one
// vocabulary, whatever the source (live API, export, Terraform, manifest).
const (
	KindInternet = "internet"

	// AWS
	KindAWSAccount           = "aws.account"
	KindIAMUser              = "aws.iam.user"
	KindIAMRole              = "aws.iam.role"
	KindIAMGroup             = "aws.iam.group"
	KindIAMPolicy            = "aws.iam.policy"
	KindIAMInstanceProfile   = "aws.iam.instance_profile"
	KindEC2Instance          = "aws.ec2.instance"
	KindEC2LaunchTemplate    = "aws.ec2.launch_template"
	KindSecurityGroup        = "aws.ec2.security_group"
	KindVPC                  = "aws.ec2.vpc"
	KindSubnet               = "aws.ec2.subnet"
	KindRouteTable           = "aws.ec2.route_table"
	KindInternetGateway      = "aws.ec2.internet_gateway"
	KindNATGateway           = "aws.ec2.nat_gateway"
	KindNetworkInterface     = "aws.ec2.network_interface"
	KindLoadBalancer         = "aws.elb.load_balancer" // classic, application and network; props.type says which
	KindAPIGateway           = "aws.apigateway.api"
	KindLambdaFunction       = "aws.lambda.function"
	KindS3Bucket             = "aws.s3.bucket"
	KindRDSInstance          = "aws.rds.instance"
	KindDynamoDBTable        = "aws.dynamodb.table"
	KindSecret               = "aws.secretsmanager.secret"
	KindKMSKey               = "aws.kms.key"
	KindECRRepository        = "aws.ecr.repository"
	KindECSTask              = "aws.ecs.task"
	KindEKSCluster           = "aws.eks.cluster"
	KindAutoScalingGroup     = "aws.autoscaling.group"
	KindSQSQueue             = "aws.sqs.queue"
	KindSNSTopic             = "aws.sns.topic"
	KindSageMakerEndpoint    = "aws.sagemaker.endpoint"
	KindSageMakerNotebook    = "aws.sagemaker.notebook"
	KindSageMakerModel       = "aws.sagemaker.model"
	KindBedrockAgent         = "aws.bedrock.agent"
	KindBedrockActionGroup   = "aws.bedrock.action_group"
	KindBedrockKnowledgeBase = "aws.bedrock.knowledge_base"
	KindBedrockGuardrail     = "aws.bedrock.guardrail"
	KindAgentCoreRuntime     = "aws.bedrockagentcore.runtime"

	// Kubernetes
	KindK8sCluster            = "k8s.cluster"
	KindK8sNamespace          = "k8s.namespace"
	KindK8sPod                = "k8s.pod"
	KindK8sWorkload           = "k8s.workload" // Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet; props.kind says which
	KindK8sServiceAccount     = "k8s.serviceaccount"
	KindK8sRole               = "k8s.role"
	KindK8sClusterRole        = "k8s.clusterrole"
	KindK8sRoleBinding        = "k8s.rolebinding"
	KindK8sClusterRoleBinding = "k8s.clusterrolebinding"
	KindK8sNetworkPolicy      = "k8s.networkpolicy"
	KindK8sService            = "k8s.service"
	KindK8sIngress            = "k8s.ingress"
	KindK8sSecret             = "k8s.secret" // metadata only, never values

	// AI
	KindAIAgent       = "ai.agent"
	KindAIModel       = "ai.model"
	KindAITool        = "ai.tool"
	KindAIVectorStore = "ai.vector_store"
	KindAIAPIKey      = "ai.api_key"  // where a key was found and its fingerprint, never the key
	KindAIEndpoint    = "ai.endpoint" // an external AI API host (api.openai.com, ...)

	// Generic data store, for sources without a more specific kind.
	KindDataStore = "data.store"
)

// Edge kinds. The graph reads them; collectors and analyzers write them with
// the evidence in Edge.Props (for example "statements", "rule", "field").
const (
	EdgeReaches        = "reaches"         // network reachability: internet -> load balancer, public instance, function URL
	EdgeRoutesTo       = "routes_to"       // load balancer, API, Service or Ingress -> the compute behind it
	EdgeRunsAs         = "runs_as"         // compute -> identity: instance profile role, execution role, pod -> service account, service account -> IAM role (IRSA, pod identity)
	EdgeCanAssume      = "can_assume"      // principal -> role, trust and identity policy both allow
	EdgeCanEscalateTo  = "can_escalate_to" // principal -> principal whose permissions it can gain; props.technique names the catalogue id
	EdgeMemberOf       = "member_of"       // user -> group
	EdgeBoundTo        = "bound_to"        // service account -> (cluster) role, through a binding in props
	EdgeCanRead        = "can_read"        // identity -> data
	EdgeCanWrite       = "can_write"       // identity -> data
	EdgeAdminOf        = "admin_of"        // identity -> account or cluster it fully controls (admin, cluster-admin)
	EdgeInNetwork      = "in_network"      // compute -> subnet, VPC or security group
	EdgeReadsUntrusted = "reads_untrusted" // agent -> an untrusted source (internet, git, issues, email, alerts)
	EdgeCallsTool      = "calls_tool"      // agent -> tool
	EdgeUsesModel      = "uses_model"      // agent -> model
	EdgeEgressTo       = "egress_to"       // workload -> external endpoint it can send data to
	EdgeHoldsKey       = "holds_key"       // workload or function -> AI API key found in its configuration
	EdgeEncryptedBy    = "encrypted_by"    // data -> KMS key
	EdgeRetrievesFrom  = "retrieves_from"  // agent or knowledge base -> vector store or bucket it reads as memory
)
