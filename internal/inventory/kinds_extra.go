package inventory

// Kinds the Kubernetes collector needs beyond those in kinds.go.
const (
	KindK8sUser  = "k8s.user"  // an RBAC subject of kind User
	KindK8sGroup = "k8s.group" // an RBAC subject of kind Group
)

// Edge kinds the AI inventory needs beyond those in kinds.go.
const (
	EdgeRunsOn = "runs_on" // ai.agent, ai.model or ai.vector_store -> the workload, function or service that hosts it
)
