package se.lusfhir.hapi;

import ca.uhn.fhir.batch2.coordinator.JobDefinitionRegistry;
import ca.uhn.fhir.batch2.model.JobDefinition;
import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.packages.PackageInstallOutcomeJson;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec;
import ca.uhn.fhir.jpa.packages.PackageInstallerSvcImpl;
import ca.uhn.fhir.jpa.packages.util.PackageUtils;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;

/**
 * Installs the LUS guide package ({@code lus-fhir ig pack}) with HAPI's package installer once all
 * beans exist and before the web server opens its port, so a 200 from {@code /fhir/metadata} means
 * the guide's StructureDefinitions, ValueSets, CodeSystems and SearchParameters are stored and seen
 * by {@code $validate}.
 *
 * <p>Nothing is fetched from a package registry: the package bytes are handed to the installer and
 * dependency fetching is off (the guide depends only on hl7.fhir.r4.core 4.0.1, which HAPI ships in
 * hapi-fhir-validation-resources-r4). HAPI's installer skips a resource it cannot store with a
 * warning; those warnings (they name the resource and the reason) are collected, logged as errors
 * and written to the report ({@code lus.ig.report}); with {@code lus.ig.strict=true} they stop the
 * server. An exception from the installer always stops it.
 */
@Component
public class IgInstaller implements SmartInitializingSingleton {

	private static final Logger LOG = LoggerFactory.getLogger(IgInstaller.class);

	private final IPackageInstallerSvc installer;

	private final JobDefinitionRegistry jobDefinitionRegistry;

	private final ObjectProvider<JobDefinition<?>> jobDefinitions;

	@Value("${lus.ig.package:}")
	private String packagePath;

	@Value("${lus.ig.report:}")
	private String reportPath;

	/**
	 * Resource types to install besides HAPI's defaults (NamingSystem, CodeSystem, ValueSet,
	 * StructureDefinition, ConceptMap, SearchParameter, Subscription), e.g.
	 * "MessageDefinition,CapabilityStatement,Basic"; examples (package/example) are never installed.
	 */
	@Value("${lus.ig.extra-types:}")
	private List<String> extraTypes;

	/** Refuse to start when any resource of the guide could not be installed. */
	@Value("${lus.ig.strict:false}")
	private boolean strict;

	public IgInstaller(
			@Lazy IPackageInstallerSvc installer,
			@Lazy JobDefinitionRegistry jobDefinitionRegistry,
			ObjectProvider<JobDefinition<?>> jobDefinitions) {
		this.installer = installer;
		this.jobDefinitionRegistry = jobDefinitionRegistry;
		this.jobDefinitions = jobDefinitions;
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (packagePath == null || packagePath.isBlank()) {
			LOG.warn("lus.ig.package is not set: starting without the LUS guide");
			return;
		}
		// Batch2 registers its job definitions when the context has been refreshed, i.e. after this
		// runs; installing SearchParameters starts a REINDEX job, so register them now.
		jobDefinitions.orderedStream().forEach(this::register);
		try {
			install(Path.of(packagePath));
		} catch (IOException e) {
			throw new IllegalStateException("cannot read the guide package " + packagePath, e);
		}
	}

	@SuppressWarnings({"unchecked", "rawtypes"})
	private void register(JobDefinition<?> definition) {
		jobDefinitionRegistry.addJobDefinitionIfNotRegistered((JobDefinition) definition);
	}

	private void install(Path tgz) throws IOException {
		byte[] bytes = Files.readAllBytes(tgz);
		NpmPackage npm = NpmPackage.fromPackage(new ByteArrayInputStream(bytes));
		PackageInstallationSpec spec = new PackageInstallationSpec()
				.setName(npm.name())
				.setVersion(npm.version())
				.setPackageContents(bytes)
				.setInstallMode(PackageInstallationSpec.InstallModeEnum.STORE_AND_INSTALL)
				.setFetchDependencies(false);
		spec.addDependencyExclude("hl7.fhir.r4.core");
		if (!extraTypes.isEmpty()) {
			List<String> types = new ArrayList<>(PackageUtils.DEFAULT_INSTALL_TYPES);
			extraTypes.stream().map(String::trim).filter(t -> !t.isEmpty()).forEach(types::add);
			spec.setInstallResourceTypes(types);
		}
		LOG.info("installing {}#{} from {}", npm.name(), npm.version(), tgz);
		long started = System.nanoTime();
		PackageInstallOutcomeJson outcome;
		// HAPI's installer logs a resource it cannot store (invalid, unsupported status, ...) as a
		// warning and goes on; capture those warnings so they are reported, not lost in the log.
		ch.qos.logback.classic.Logger installerLog = (ch.qos.logback.classic.Logger)
				LoggerFactory.getLogger(PackageInstallerSvcImpl.class);
		ListAppender<ILoggingEvent> captured = new ListAppender<>();
		captured.start();
		installerLog.addAppender(captured);
		try {
			outcome = installer.install(spec);
		} catch (RuntimeException e) {
			writeReport(npm, null, problems(captured), e);
			throw new IllegalStateException(
					"installing " + npm.name() + "#" + npm.version() + " failed: " + e.getMessage(), e);
		} finally {
			installerLog.detachAppender(captured);
		}
		long millis = (System.nanoTime() - started) / 1_000_000;
		for (String message : outcome.getMessage()) {
			LOG.debug("package install: {}", message);
		}
		List<String> problems = problems(captured);
		LOG.info("installed {}#{} in {} ms: {}", npm.name(), npm.version(), millis, outcome.getResourcesInstalled());
		for (String problem : problems) {
			LOG.error("guide resource NOT installed: {}", problem);
		}
		writeReport(npm, outcome, problems, null);
		if (strict && !problems.isEmpty()) {
			throw new IllegalStateException(problems.size() + " resource(s) of " + npm.name()
					+ " were not installed (lus.ig.strict=true): " + problems);
		}
	}

	private static List<String> problems(ListAppender<ILoggingEvent> captured) {
		List<String> problems = new ArrayList<>();
		for (ILoggingEvent event : captured.list) {
			if (event.getLevel().isGreaterOrEqual(Level.WARN)) {
				problems.add(event.getFormattedMessage());
			}
		}
		return problems;
	}

	private void writeReport(
			NpmPackage npm, PackageInstallOutcomeJson outcome, List<String> problems, Exception failure)
			throws IOException {
		if (reportPath == null || reportPath.isBlank()) {
			return;
		}
		StringBuilder json = new StringBuilder();
		json.append("{\n  \"package\": ").append(quote(npm.name() + "#" + npm.version()));
		json.append(",\n  \"ok\": ").append(failure == null && problems.isEmpty());
		json.append(",\n  \"problems\": [");
		String comma = "";
		for (String problem : problems) {
			json.append(comma).append("\n    ").append(quote(problem));
			comma = ",";
		}
		json.append(problems.isEmpty() ? "]" : "\n  ]");
		if (failure != null) {
			json.append(",\n  \"error\": ").append(quote(String.valueOf(failure.getMessage())));
		}
		if (outcome != null) {
			json.append(",\n  \"resourcesInstalled\": {");
			String sep = "";
			for (Map.Entry<String, Integer> e : outcome.getResourcesInstalled().entrySet()) {
				json.append(sep).append("\n    ").append(quote(e.getKey())).append(": ").append(e.getValue());
				sep = ",";
			}
			json.append("\n  },\n  \"messages\": [");
			sep = "";
			for (String message : outcome.getMessage()) {
				json.append(sep).append("\n    ").append(quote(message));
				sep = ",";
			}
			json.append("\n  ]");
		}
		json.append("\n}\n");
		Path path = Path.of(reportPath);
		if (path.getParent() != null) {
			Files.createDirectories(path.getParent());
		}
		Files.writeString(path, json.toString(), StandardCharsets.UTF_8);
	}

	private static String quote(String s) {
		StringBuilder out = new StringBuilder("\"");
		for (char c : s.toCharArray()) {
			switch (c) {
				case '"' -> out.append("\\\"");
				case '\\' -> out.append("\\\\");
				case '\n' -> out.append("\\n");
				case '\r' -> out.append("\\r");
				case '\t' -> out.append("\\t");
				default -> {
					if (c < 0x20) {
						out.append(String.format("\\u%04x", (int) c));
					} else {
						out.append(c);
					}
				}
			}
		}
		return out.append('"').toString();
	}
}
