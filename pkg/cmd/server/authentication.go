package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"

	"github.com/example/extension-apiserver/pkg/authn"
)

const (
	// authenticationConfigMap is where kube-apiserver publishes the CAs of
	// its clients and of its front proxy for extension API servers.
	authenticationConfigMap = "extension-apiserver-authentication"
	// verifiedChainsCached bounds the cache: one entry per distinct client
	// certificate chain (users, the front proxy, controllers).
	verifiedChainsCached = 4096
	// verifiedChainsTTL bounds how long a verification is trusted; entries
	// also end at the chain's earliest NotAfter and with a new CA bundle.
	verifiedChainsTTL = 10 * time.Minute
)

// pinClientCA creates the client CA provider (from --client-ca-file, or
// from the cluster's authentication ConfigMap, as the delegating
// authentication options do inside ApplyTo, but primed with the ConfigMap's
// content of now) and sets it in the options, so
// that ApplyTo uses it and the serving layer loads and reloads the very
// provider our certificate authenticator reads. It changes the options for
// good: a second Config() reuses the provider. It returns nil when there is
// no client CA.
func (o *Options) pinClientCA(cluster *clusterAuthentication) (dynamiccertificates.CAContentProvider, error) {
	a := o.RecommendedOptions.Authentication
	if a == nil {
		return nil, nil
	}
	if a.ClientCert.ClientCA != "" || a.ClientCert.CAContentProvider != nil {
		provider, err := a.ClientCert.GetClientCAContentProvider()
		if err != nil {
			return nil, err
		}
		a.ClientCert.CAContentProvider = provider
		return provider, nil
	}
	if a.SkipInClusterLookup {
		return nil, nil
	}
	client, err := cluster.client()
	if err != nil || client == nil {
		return nil, err
	}
	controller, err := dynamiccertificates.NewDynamicCAFromConfigMapController("client-ca", metav1.NamespaceSystem, authenticationConfigMap, "client-ca-file", client)
	if err != nil {
		return nil, fmt.Errorf("client CA from configmap %s/%s: %w", metav1.NamespaceSystem, authenticationConfigMap, err)
	}
	provider, err := cluster.primed(controller, "client-ca-file")
	if err != nil {
		return nil, err
	}
	a.ClientCert.CAContentProvider = provider
	return provider, nil
}

// primeRequestHeaderCA primes the front proxy's CA, when ApplyTo took it
// from the cluster's authentication ConfigMap, as pinClientCA primes the
// client CA, and has the TLS handshake ask for certificates of both.
func primeRequestHeaderCA(serverConfig *genericapiserver.RecommendedConfig, clientCA dynamiccertificates.CAContentProvider, cluster *clusterAuthentication) error {
	rh := serverConfig.Authentication.RequestHeaderConfig
	if rh == nil {
		return nil
	}
	fromCluster, ok := rh.CAContentProvider.(*options.DynamicRequestHeaderController)
	if !ok {
		return nil // --requestheader-client-ca-file is read before serving
	}
	primed, err := cluster.primed(fromCluster, "requestheader-client-ca-file")
	if err != nil {
		return err
	}
	rh.CAContentProvider = primed
	if serverConfig.SecureServing != nil {
		// ApplyTo made the handshake's CAs the union of these two.
		if clientCA != nil {
			serverConfig.SecureServing.ClientCA = dynamiccertificates.NewUnionCAContentProvider(clientCA, primed)
		} else {
			serverConfig.SecureServing.ClientCA = primed
		}
	}
	return nil
}

// clusterAuthentication is the cluster's authentication ConfigMap, reached
// and read at most once however many CAs it primes.
type clusterAuthentication struct {
	client func() (kubernetes.Interface, error)
	data   func() map[string]string
}

func (o *Options) clusterAuthentication() *clusterAuthentication {
	c := &clusterAuthentication{client: sync.OnceValues(o.authenticationClient)}
	c.data = sync.OnceValue(func() map[string]string {
		client, err := c.client()
		if err != nil || client == nil {
			return nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		configMap, err := client.CoreV1().ConfigMaps(metav1.NamespaceSystem).Get(ctx, authenticationConfigMap, metav1.GetOptions{})
		if err != nil {
			klog.Warningf("Reading configmap %s/%s before serving: %v; requests with client certificates get 401 until it is loaded",
				metav1.NamespaceSystem, authenticationConfigMap, err)
			return nil
		}
		return configMap.Data
	})
	return c
}

// primed returns controller answering with key of the ConfigMap as read now
// until it has loaded it (see authn.PrimedCA). When the read failed,
// controller alone decides, as it would without priming.
func (c *clusterAuthentication) primed(controller authn.DynamicCA, key string) (authn.DynamicCA, error) {
	return authn.PrimedCA(controller, []byte(c.data()[key]))
}

// authenticationClient reaches the cluster that authenticates, or is nil
// when there is none (see authenticationClientConfig).
func (o *Options) authenticationClient() (kubernetes.Interface, error) {
	config, err := o.authenticationClientConfig()
	if err != nil || config == nil {
		return nil, err
	}
	return kubernetes.NewForConfig(config)
}

// authenticationClientConfig reaches the cluster that authenticates with
// the settings the delegating authentication options use:
// --authentication-kubeconfig, else in-cluster, else (when optional) none.
func (o *Options) authenticationClientConfig() (*rest.Config, error) {
	a := o.RecommendedOptions.Authentication
	var config *rest.Config
	var err error
	if a.RemoteKubeConfigFile != "" {
		rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: a.RemoteKubeConfigFile}
		config, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	} else {
		config, err = rest.InClusterConfig()
		if err != nil && a.RemoteKubeConfigFileOptional {
			if !errors.Is(err, rest.ErrNotInCluster) {
				klog.Warningf("No in-cluster configuration for the client CA lookup: %v", err)
			}
			return nil, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("delegated authentication kubeconfig: %w", err)
	}
	// Reads of the ConfigMap must not wait on client-side throttling.
	config.QPS, config.Burst = 200, 400
	if a.CustomRoundTripperFn != nil {
		config.Wrap(a.CustomRoundTripperFn)
	}
	return config, nil
}

// fastCertificateAuthentication puts our caching certificate authenticators
// in front of the one ApplyTo built, which still decides every request they
// do not authenticate.
func fastCertificateAuthentication(serverConfig *genericapiserver.RecommendedConfig, clientCA dynamiccertificates.CAContentProvider) authenticator.Request {
	verified := authn.NewVerifiedChains(verifiedChainsCached, verifiedChainsTTL)
	var certificates []authenticator.Request
	if rh := serverConfig.Authentication.RequestHeaderConfig; rh != nil {
		certificates = append(certificates, authn.RequestHeader(rh, verified))
	}
	if clientCA != nil {
		certificates = append(certificates, authn.ClientCertificate(clientCA, verified))
	}
	return authn.CertificatesFirst(serverConfig.Authentication.Authenticator, certificates...)
}
