package aws

import (
	"github.com/parapet-sec/parapet/internal/aibom"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// ecsTaskDefinition is the part of describe-task-definition the inventory
// uses: roles, network mode and containers.
type ecsTaskDefinition struct {
	TaskDefinitionArn    string `json:"taskDefinitionArn"`
	TaskRoleArn          string `json:"taskRoleArn"`
	ExecutionRoleArn     string `json:"executionRoleArn"`
	NetworkMode          string `json:"networkMode"`
	ContainerDefinitions []struct {
		Name        string   `json:"name"`
		Image       string   `json:"image"`
		Command     []string `json:"command"`
		EntryPoint  []string `json:"entryPoint"`
		Privileged  bool     `json:"privileged"`
		Environment []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"environment"`
		Secrets []struct {
			Name      string `json:"name"`
			ValueFrom string `json:"valueFrom"`
		} `json:"secrets"`
	} `json:"containerDefinitions"`
}

// ecsTasks reads running tasks per cluster (list-tasks, describe-tasks) and
// their task definitions where collected: the task role becomes runs_as,
// the task's network interface joins it to its subnet and public IP.
func (rc *resourceCollector) ecsTasks() error {
	var clusters struct {
		ClusterArns []string `json:"clusterArns"`
	}
	ok, err := rc.read("ecs-list-clusters", &clusters)
	if err != nil || !ok {
		return err
	}
	for _, cluster := range clusters.ClusterArns {
		var list struct {
			TaskArns []string `json:"taskArns"`
		}
		if _, err := rc.readParam("ecs-list-tasks", cluster, &list); err != nil {
			return err
		}
		for _, taskArn := range list.TaskArns {
			var desc struct {
				Tasks []struct {
					TaskArn           string `json:"taskArn"`
					TaskDefinitionArn string `json:"taskDefinitionArn"`
					LaunchType        string `json:"launchType"`
					LastStatus        string `json:"lastStatus"`
					Group             string `json:"group"`
					Overrides         struct {
						TaskRoleArn      string `json:"taskRoleArn"`
						ExecutionRoleArn string `json:"executionRoleArn"`
					} `json:"overrides"`
					Attachments []struct {
						Type    string `json:"type"`
						Details []struct {
							Name  string `json:"name"`
							Value string `json:"value"`
						} `json:"details"`
					} `json:"attachments"`
					Containers []struct {
						Name  string `json:"name"`
						Image string `json:"image"`
					} `json:"containers"`
					Tags []struct {
						Key   string `json:"key"`
						Value string `json:"value"`
					} `json:"tags"`
				} `json:"tasks"`
			}
			found, err := rc.readParam("ecs-describe-tasks", cluster, &desc, taskArn)
			if err != nil {
				return err
			}
			if !found {
				rc.add(taskArn, inventory.KindECSTask, taskArn[lastSlash(taskArn)+1:], rc.source("ecs-list-tasks", cluster), nil,
					map[string]any{"cluster": cluster})
				continue
			}
			src := rc.source("ecs-describe-tasks", cluster, taskArn)
			for _, t := range desc.Tasks {
				props := map[string]any{
					"cluster": cluster, "task_definition": t.TaskDefinitionArn,
					"launch_type": t.LaunchType, "status": t.LastStatus, "group": t.Group,
				}
				var images []string
				for _, c := range t.Containers {
					if c.Image != "" {
						images = appendUnique(images, c.Image)
					}
				}
				var subnets []string
				for _, a := range t.Attachments {
					for _, d := range a.Details {
						switch d.Name {
						case "subnetId":
							subnets = append(subnets, d.Value)
						case "networkInterfaceId":
							rc.eniOwner[rc.region+"/"+d.Value] = t.TaskArn
							props["network_interface"] = d.Value
						}
					}
				}
				taskRole, execRole := t.Overrides.TaskRoleArn, t.Overrides.ExecutionRoleArn
				var def struct {
					TaskDefinition ecsTaskDefinition `json:"taskDefinition"`
				}
				if ok, err := rc.readParam("ecs-describe-task-definition", t.TaskDefinitionArn, &def); err != nil {
					return err
				} else if ok {
					td := def.TaskDefinition
					if taskRole == "" {
						taskRole = td.TaskRoleArn
					}
					if execRole == "" {
						execRole = td.ExecutionRoleArn
					}
					props["network_mode"] = td.NetworkMode
					var containers []map[string]any
					for _, c := range td.ContainerDefinitions {
						images = appendUnique(images, c.Image)
						cp := map[string]any{"name": c.Name, "image": c.Image, "privileged": c.Privileged}
						if len(c.Command) > 0 {
							cp["command"] = c.Command
						}
						if len(c.EntryPoint) > 0 {
							cp["entrypoint"] = c.EntryPoint
						}
						var facts []aibom.EnvFact
						for _, e := range c.Environment {
							facts = append(facts, aibom.InspectEnv(e.Name, e.Value))
						}
						for _, s := range c.Secrets {
							f := aibom.InspectEnv(s.Name, "")
							f.ValueFrom = s.ValueFrom
							facts = append(facts, f)
						}
						aibom.EnvProps(cp, "", facts)
						aibom.EnvProps(props, c.Name, facts)
						containers = append(containers, cp)
						if c.Privileged {
							props["privileged"] = true
						}
					}
					props["containers"] = containers
				}
				if images != nil {
					props["images"] = images
				}
				tags := map[string]string{}
				for _, tg := range t.Tags {
					tags[tg.Key] = tg.Value
				}
				if len(tags) == 0 {
					tags = nil
				}
				if taskRole != "" {
					props["task_role"] = taskRole
				}
				if execRole != "" {
					props["execution_role"] = execRole
				}
				rc.add(t.TaskArn, inventory.KindECSTask, t.TaskArn[lastSlash(t.TaskArn)+1:], src, tags, props)
				rc.attachNetwork(t.TaskArn, nil, subnets)
				if taskRole != "" {
					rc.snap.Connect(t.TaskArn, rc.role(taskRole), inventory.EdgeRunsAs, map[string]any{"field": "taskRoleArn"})
				}
			}
		}
	}
	return nil
}
