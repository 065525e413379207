package server

import (
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
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
// authentication options do inside ApplyTo) and sets it in the options, so
// that ApplyTo uses it and the serving layer loads and reloads the very
// provider our certificate authenticator reads. It changes the options for
// good: a second Config() reuses the provider. It returns nil when there is
// no client CA.
func (o *Options) pinClientCA() (dynamiccertificates.CAContentProvider, error) {
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
	config, err := o.authenticationClientConfig()
	if err != nil || config == nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	provider, err := dynamiccertificates.NewDynamicCAFromConfigMapController("client-ca", metav1.NamespaceSystem, authenticationConfigMap, "client-ca-file", client)
	if err != nil {
		return nil, fmt.Errorf("client CA from configmap %s/%s: %w", metav1.NamespaceSystem, authenticationConfigMap, err)
	}
	a.ClientCert.CAContentProvider = provider
	return provider, nil
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
