//! Shared by the crate's test binaries: a real `kube` client from a
//! kubeconfig the server wrote.

use kordon_test_apiserver::Server;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

pub async fn client_from_yaml(yaml: &str) -> Client {
    let kubeconfig = Kubeconfig::from_yaml(yaml).expect("kubeconfig parses");
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("kubeconfig loads");
    Client::try_from(config).expect("client builds")
}

pub async fn client(server: &Server) -> Client {
    client_from_yaml(&server.kubeconfig("kordon-test", Some("shop"))).await
}
