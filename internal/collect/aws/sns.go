package aws

import (
	"github.com/parapet-sec/parapet/internal/inventory"
)

// snsTopics reads topics and their access policies.
func (rc *resourceCollector) snsTopics() error {
	var out struct {
		Topics []struct{ TopicArn string }
	}
	ok, err := rc.read("sns-list-topics", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("sns-list-topics")
	for _, t := range out.Topics {
		props := map[string]any{}
		var attrs struct{ Attributes map[string]string }
		found, err := rc.readParam("sns-get-topic-attributes", t.TopicArn, &attrs)
		if err != nil {
			return err
		}
		pa := publicAccess{}
		if found {
			if p := attrs.Attributes["Policy"]; p != "" {
				props["policy"] = p
				if pa, err = publicGrants(rc.source("sns-get-topic-attributes", t.TopicArn), p); err != nil {
					return err
				}
			}
			if k := attrs.Attributes["KmsMasterKeyId"]; k != "" {
				props["kms_key"] = k
			}
		}
		name := t.TopicArn[lastColon(t.TopicArn)+1:]
		n := rc.add(t.TopicArn, inventory.KindSNSTopic, name, src, nil, props)
		n.Props["public_read"] = false
		n.Props["public_write"] = false
		rc.setPublic(t.TopicArn, n.Props, pa, "topic_policy")
	}
	return nil
}

// sqsQueues reads queues and their access policies.
func (rc *resourceCollector) sqsQueues() error {
	var out struct{ QueueUrls []string }
	ok, err := rc.read("sqs-list-queues", &out)
	if err != nil || !ok {
		return err
	}
	src := rc.source("sqs-list-queues")
	for _, u := range out.QueueUrls {
		var attrs struct{ Attributes map[string]string }
		found, err := rc.readParam("sqs-get-queue-attributes", u, &attrs)
		if err != nil {
			return err
		}
		id := attrs.Attributes["QueueArn"]
		name := u[lastSlash(u)+1:]
		if id == "" {
			id = rc.arn("sqs", name)
		}
		props := map[string]any{"queue_url": u}
		pa := publicAccess{}
		if found {
			if p := attrs.Attributes["Policy"]; p != "" {
				props["policy"] = p
				if pa, err = publicGrants(rc.source("sqs-get-queue-attributes", u), p); err != nil {
					return err
				}
			}
			if k := attrs.Attributes["KmsMasterKeyId"]; k != "" {
				props["kms_key"] = k
			}
		}
		n := rc.add(id, inventory.KindSQSQueue, name, src, nil, props)
		n.Props["public_read"] = false
		n.Props["public_write"] = false
		rc.setPublic(id, n.Props, pa, "queue_policy")
	}
	return nil
}

func lastColon(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return i
		}
	}
	return -1
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}
