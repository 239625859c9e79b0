package io.wharf.csi;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.wharf.csi.controller.StorageClassParameters;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/ parses into Kubernetes' typed objects (fabric8's model of the Kubernetes API): every
 * field must be one the type knows, so a misspelt or misplaced field fails here rather than in
 * {@code kubectl apply}. The snapshot kinds are CRDs the model does not type; their fields are
 * checked by name. On top: the pieces agree (driver name, socket paths, sidecars, privileges).
 */
class ManifestsTest {
    private static final Path DEPLOY = Path.of("..", "deploy");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    @Test
    void everyManifestIsAValidKubernetesObject() throws IOException {
        List<HasMetadata> objects = all();
        assertThat(objects).extracting(HasMetadata::getKind).contains("Namespace", "ConfigMap", "CSIDriver",
                "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "DaemonSet", "Deployment",
                "StorageClass", "VolumeSnapshotClass", "PersistentVolumeClaim", "Pod", "VolumeSnapshot");
        for (HasMetadata object : objects) {
            assertThat(object.getMetadata().getName()).as(object.getKind()).isNotBlank();
            if (object instanceof GenericKubernetesResource generic) {
                assertKnownSnapshotFields(generic);
            } else {
                assertThat(unknownFields(object, object.getKind() + "/" + object.getMetadata().getName()))
                        .as("fields the Kubernetes API does not know").isEmpty();
            }
        }
    }

    @Test
    void thePiecesFitTogether() throws IOException {
        List<HasMetadata> objects = all();
        CSIDriver driver = only(objects, CSIDriver.class);
        assertThat(driver.getMetadata().getName()).isEqualTo(CsiConfig.DEFAULT_DRIVER_NAME);
        assertThat(driver.getSpec().getAttachRequired()).isTrue();
        for (StorageClass storageClass : of(objects, StorageClass.class)) {
            assertThat(storageClass.getProvisioner()).isEqualTo(CsiConfig.DEFAULT_DRIVER_NAME);
            assertThat(StorageClassParameters.KEYS).containsAll(storageClass.getParameters().keySet());
            StorageClassParameters.parse(storageClass.getParameters()); // Wharf accepts them
        }
        objects.stream().filter(o -> o.getKind().equals("VolumeSnapshotClass"))
                .forEach(o -> assertThat(((GenericKubernetesResource) o).getAdditionalProperties())
                        .containsEntry("driver", CsiConfig.DEFAULT_DRIVER_NAME));

        PodSpec node = only(objects, DaemonSet.class).getSpec().getTemplate().getSpec();
        assertThat(node.getHostNetwork()).isTrue();
        Container plugin = container(node, "wharf-csi");
        assertThat(plugin.getSecurityContext().getPrivileged()).isTrue();
        assertThat(plugin.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo("/var/lib/kubelet");
            assertThat(m.getMountPropagation()).isEqualTo("Bidirectional");
        });
        assertThat(String.join(" ", container(node, "node-driver-registrar").getArgs()))
                .contains("/var/lib/kubelet/plugins/" + CsiConfig.DEFAULT_DRIVER_NAME + "/csi.sock");
        assertThat(node.getVolumes()).anySatisfy(v -> assertThat(v.getHostPath().getPath())
                .isEqualTo("/var/lib/kubelet/plugins/" + CsiConfig.DEFAULT_DRIVER_NAME));
        assertThat(node.getContainers()).extracting(Container::getName)
                .containsExactly("wharf-node", "wharf-csi", "node-driver-registrar", "liveness-probe");

        PodSpec controller = only(objects, Deployment.class).getSpec().getTemplate().getSpec();
        assertThat(controller.getContainers()).extracting(Container::getName).containsExactly("wharf-csi",
                "csi-provisioner", "csi-attacher", "csi-snapshotter", "csi-resizer", "liveness-probe");
        for (Container container : controller.getContainers()) {
            if (!container.getName().equals("wharf-csi")) {
                assertThat(container.getArgs()).contains("--csi-address=/csi/csi.sock");
            }
        }
        assertThat(container(controller, "wharf-csi").getEnv())
                .anySatisfy(e -> assertThat(e.getValue()).isEqualTo("unix:///csi/csi.sock"));
    }

    @Test
    void theCheckCatchesMisspeltAndMisplacedFields() {
        HasMetadata misspelt = (HasMetadata) SERIALIZATION.unmarshal("""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: x
                spec:
                  replica: 2
                  template:
                    spec:
                      containers:
                        - name: c
                          imagee: busybox
                """);
        assertThat(misspelt).isInstanceOf(Deployment.class);
        assertThat(unknownFields(misspelt, "Deployment/x")).hasSize(2)
                .anySatisfy(p -> assertThat(p).contains("[replica]"))
                .anySatisfy(p -> assertThat(p).contains("[imagee]"));
    }

    private static List<HasMetadata> all() throws IOException {
        List<HasMetadata> objects = new ArrayList<>();
        try (Stream<Path> files = Files.walk(DEPLOY)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (String document : Files.readString(file).split("(?m)^---\\s*$")) {
                    if (document.lines().anyMatch(l -> !l.isBlank() && !l.stripLeading().startsWith("#"))) {
                        Object parsed = SERIALIZATION.unmarshal(document);
                        assertThat(parsed).as(file + ": " + document).isInstanceOf(HasMetadata.class);
                        objects.add((HasMetadata) parsed);
                    }
                }
            }
        }
        return objects;
    }

    private static <T> T only(List<HasMetadata> objects, Class<T> type) {
        List<T> found = of(objects, type);
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.getFirst();
    }

    private static <T> List<T> of(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static Container container(PodSpec pod, String name) {
        return pod.getContainers().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    }

    /** The CRD kinds, which the typed model does not know: their top-level and spec fields by name. */
    private static void assertKnownSnapshotFields(GenericKubernetesResource resource) {
        Map<String, Object> fields = resource.getAdditionalProperties();
        switch (resource.getKind()) {
            case "VolumeSnapshotClass" -> {
                assertThat(resource.getApiVersion()).isEqualTo("snapshot.storage.k8s.io/v1");
                assertThat(Set.of("driver", "deletionPolicy", "parameters")).containsAll(fields.keySet());
                assertThat(fields.get("deletionPolicy")).isIn("Delete", "Retain");
            }
            case "VolumeSnapshot" -> {
                assertThat(resource.getApiVersion()).isEqualTo("snapshot.storage.k8s.io/v1");
                assertThat(Set.of("spec")).containsAll(fields.keySet());
                Map<?, ?> spec = (Map<?, ?>) fields.get("spec");
                assertThat(Set.of("volumeSnapshotClassName", "source")).containsAll(keys(spec));
                assertThat(Set.of("persistentVolumeClaimName", "volumeSnapshotContentName"))
                        .containsAll(keys((Map<?, ?>) spec.get("source")));
            }
            default -> throw new AssertionError("a kind the model should know: " + resource.getKind());
        }
    }

    private static Set<String> keys(Map<?, ?> map) {
        return map.keySet().stream().map(Object::toString).collect(java.util.stream.Collectors.toSet());
    }

    /** Paths of fields that landed in a typed object's additionalProperties: fields its type does not have. */
    private static List<String> unknownFields(Object root, String path) {
        List<String> unknown = new ArrayList<>();
        walk(root, path, unknown, new IdentityHashMap<>());
        return unknown;
    }

    private static void walk(Object value, String path, List<String> unknown, IdentityHashMap<Object, Boolean> seen) {
        if (value == null || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "." + k, unknown, seen));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            boolean isGetter = getter.getParameterCount() == 0 && !Modifier.isStatic(getter.getModifiers())
                    && (getter.getName().startsWith("get") || getter.getName().startsWith("is"))
                    && !getter.getName().equals("getClass");
            if (!isGetter) {
                continue;
            }
            Object field;
            try {
                field = getter.invoke(value);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + " " + extra.keySet());
                }
            } else {
                walk(field, path + "." + getter.getName(), unknown, seen);
            }
        }
    }
}
