package aws

import (
	"strings"

	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// s3BucketOf returns the bucket ARN of an s3://bucket/key URL, or "".
func (rc *resourceCollector) s3BucketOf(url string) string {
	rest, ok := strings.CutPrefix(url, "s3://")
	if !ok {
		return ""
	}
	bucket, _, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return ""
	}
	return "arn:" + partitionOf(rc.region) + ":s3:::" + bucket
}

// markBucket records on a bucket node what it holds for AI workloads
// (props.holds_model_artifacts, props.knowledge_base_source, and purpose
// "model_artifacts" or "knowledge_base"), creating a referenced-only node
// when the bucket was not collected.
func (rc *resourceCollector) markBucket(bucketARN, prop string) {
	rc.ref(bucketARN, inventory.KindS3Bucket)
	n := rc.snap.Node(bucketARN)
	n.Props[prop] = true
	if _, ok := n.Props["purpose"]; !ok {
		n.Props["purpose"] = map[string]string{"holds_model_artifacts": "model_artifacts", "knowledge_base_source": "knowledge_base"}[prop]
	}
}

// sageMaker reads notebook instances, models and endpoints.
func (rc *resourceCollector) sageMaker() error {
	if err := rc.sageMakerNotebooks(); err != nil {
		return err
	}
	models, err := rc.sageMakerModels()
	if err != nil {
		return err
	}
	return rc.sageMakerEndpoints(models)
}

func (rc *resourceCollector) sageMakerNotebooks() error {
	var list struct {
		NotebookInstances []struct {
			NotebookInstanceName string
			NotebookInstanceArn  string
		}
	}
	ok, err := rc.read("sagemaker-list-notebook-instances", &list)
	if err != nil || !ok {
		return err
	}
	for _, nb := range list.NotebookInstances {
		var d struct {
			NotebookInstanceArn    string
			NotebookInstanceStatus string
			InstanceType           string
			Url                    string
			SubnetId               string
			SecurityGroups         []string
			RoleArn                string
			KmsKeyId               string
			DirectInternetAccess   string
			RootAccess             string
			PlatformIdentifier     string
		}
		found, err := rc.readParam("sagemaker-describe-notebook-instance", nb.NotebookInstanceName, &d)
		if err != nil {
			return err
		}
		id := nb.NotebookInstanceArn
		src := rc.source("sagemaker-list-notebook-instances")
		props := map[string]any{}
		if found {
			src = rc.source("sagemaker-describe-notebook-instance", nb.NotebookInstanceName)
			props = map[string]any{
				"status": d.NotebookInstanceStatus, "instance_type": d.InstanceType, "url": d.Url,
				"subnet": d.SubnetId, "security_groups": d.SecurityGroups, "role": d.RoleArn,
				"direct_internet_access": d.DirectInternetAccess == "Enabled",
				"root_access":            d.RootAccess != "Disabled",
				"egress_internet":        d.DirectInternetAccess == "Enabled",
			}
			if d.KmsKeyId != "" {
				props["kms_key"] = d.KmsKeyId
			}
		}
		rc.add(id, inventory.KindSageMakerNotebook, nb.NotebookInstanceName, src, nil, props)
		if found {
			var subnets []string
			if d.SubnetId != "" {
				subnets = []string{d.SubnetId}
			}
			rc.attachNetwork(id, d.SecurityGroups, subnets)
			if d.RoleArn != "" {
				rc.snap.Connect(id, rc.role(d.RoleArn), inventory.EdgeRunsAs, map[string]any{"field": "RoleArn"})
			}
		}
	}
	return nil
}

// sageMakerModels reads models and returns their ARNs by name.
func (rc *resourceCollector) sageMakerModels() (map[string]string, error) {
	byName := map[string]string{}
	var list struct {
		Models []struct{ ModelName, ModelArn string }
	}
	ok, err := rc.read("sagemaker-list-models", &list)
	if err != nil || !ok {
		return byName, err
	}
	type container struct {
		Image        string
		ModelDataUrl string
		Environment  map[string]string
	}
	for _, m := range list.Models {
		byName[m.ModelName] = m.ModelArn
		var d struct {
			ModelArn               string
			ExecutionRoleArn       string
			EnableNetworkIsolation bool
			PrimaryContainer       *container
			Containers             []container
			VpcConfig              *struct {
				SecurityGroupIds []string
				Subnets          []string
			}
		}
		found, err := rc.readParam("sagemaker-describe-model", m.ModelName, &d)
		if err != nil {
			return nil, err
		}
		id := m.ModelArn
		src := rc.source("sagemaker-list-models")
		props := map[string]any{}
		if found {
			src = rc.source("sagemaker-describe-model", m.ModelName)
			cs := d.Containers
			if d.PrimaryContainer != nil {
				cs = append([]container{*d.PrimaryContainer}, cs...)
			}
			var images, artifacts []string
			var facts []aibom.EnvFact
			for _, c := range cs {
				if c.Image != "" {
					images = appendUnique(images, c.Image)
				}
				if c.ModelDataUrl != "" {
					artifacts = appendUnique(artifacts, c.ModelDataUrl)
				}
				for _, k := range sortedKeys(c.Environment) {
					facts = append(facts, aibom.InspectEnv(k, c.Environment[k]))
				}
			}
			props["images"] = images
			props["model_data_urls"] = artifacts
			props["execution_role"] = d.ExecutionRoleArn
			props["network_isolation"] = d.EnableNetworkIsolation
			aibom.EnvProps(props, "", facts)
			defer func() {
				for _, a := range artifacts {
					if b := rc.s3BucketOf(a); b != "" {
						rc.markBucket(b, "holds_model_artifacts")
						rc.snap.Connect(id, b, inventory.EdgeRetrievesFrom, map[string]any{"field": "ModelDataUrl", "url": a})
					}
				}
			}()
		}
		rc.add(id, inventory.KindSageMakerModel, m.ModelName, src, nil, props)
		if found {
			if d.ExecutionRoleArn != "" {
				rc.snap.Connect(id, rc.role(d.ExecutionRoleArn), inventory.EdgeRunsAs, map[string]any{"field": "ExecutionRoleArn"})
			}
			if v := d.VpcConfig; v != nil {
				rc.attachNetwork(id, v.SecurityGroupIds, v.Subnets)
			}
		}
	}
	return byName, nil
}

func (rc *resourceCollector) sageMakerEndpoints(models map[string]string) error {
	var list struct {
		Endpoints []struct{ EndpointName, EndpointArn, EndpointStatus string }
	}
	ok, err := rc.read("sagemaker-list-endpoints", &list)
	if err != nil || !ok {
		return err
	}
	for _, e := range list.Endpoints {
		var d struct {
			EndpointConfigName string
		}
		if _, err := rc.readParam("sagemaker-describe-endpoint", e.EndpointName, &d); err != nil {
			return err
		}
		props := map[string]any{"status": e.EndpointStatus}
		var cfg struct {
			ProductionVariants []struct {
				VariantName  string
				ModelName    string
				InstanceType string
			}
			KmsKeyId string
		}
		if d.EndpointConfigName != "" {
			props["endpoint_config"] = d.EndpointConfigName
			if _, err := rc.readParam("sagemaker-describe-endpoint-config", d.EndpointConfigName, &cfg); err != nil {
				return err
			}
		}
		var names []string
		for _, v := range cfg.ProductionVariants {
			names = append(names, v.ModelName)
		}
		if names != nil {
			props["models"] = names
		}
		rc.add(e.EndpointArn, inventory.KindSageMakerEndpoint, e.EndpointName, rc.source("sagemaker-list-endpoints"), nil, props)
		for _, v := range cfg.ProductionVariants {
			m := models[v.ModelName]
			if m == "" {
				m = rc.ref(rc.arn("sagemaker", "model/"+strings.ToLower(v.ModelName)), inventory.KindSageMakerModel)
			}
			rc.snap.Connect(e.EndpointArn, m, inventory.EdgeRoutesTo, map[string]any{"variant": v.VariantName})
		}
	}
	return nil
}
