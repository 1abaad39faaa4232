package se.lusfhir.hapi;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import ca.uhn.fhir.jpa.util.LoggingEmailSender;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.commons.dbcp2.BasicDataSource;
import org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * HAPI FHIR JPA (R4) wired by hand, the way HAPI's own test servers do it: HAPI's configuration
 * classes plus the few beans they expect the host application to provide (data source, entity
 * manager factory, transaction manager, storage and partition settings) and the RESTful server.
 *
 * <p>R4 rest-hook Subscriptions are delivered (the peer of lus-fhir's own notifications in
 * bench/hapi_subscriptions.py): {@link SubscriptionSubmitterConfig} puts every write on the matching
 * queue, {@link SubscriptionProcessorConfig} activates Subscriptions, matches criteria in memory and
 * delivers, all in-process over HAPI's in-memory channels ({@link SubscriptionChannelConfig}).
 */
@Configuration
@EnableTransactionManagement
@Import({
	JpaR4Config.class,
	HapiJpaConfig.class,
	ThreadPoolFactoryConfig.class,
	JpaBatch2Config.class,
	Batch2JobsConfig.class,
	SubscriptionChannelConfig.class,
	SubscriptionSubmitterConfig.class,
	SubscriptionProcessorConfig.class,
	IgInstaller.class
})
public class FhirServerConfig {

	@Value("${lus.db.url:jdbc:h2:mem:lus-hapi;DB_CLOSE_DELAY=-1}")
	private String dbUrl;

	@Value("${lus.db.username:sa}")
	private String dbUsername;

	@Value("${lus.db.password:}")
	private String dbPassword;

	private boolean isPostgres() {
		return dbUrl.startsWith("jdbc:postgresql:");
	}

	/**
	 * HAPI's package installer only stores conformance resources whose status is "active" unless told
	 * otherwise; the LUS guide is at version 0.1.0 and all its resources are "draft".
	 */
	@Value("${lus.ig.accept-draft:true}")
	private boolean acceptDraft;

	@Bean
	public JpaStorageSettings storageSettings() {
		JpaStorageSettings settings = new JpaStorageSettings();
		settings.setValidateResourceStatusForPackageUpload(!acceptDraft);
		settings.setAllowExternalReferences(true);
		settings.setAllowMultipleDelete(true);
		settings.setExpungeEnabled(true);
		settings.setAutoCreatePlaceholderReferenceTargets(false);
		// The examples refer to each other; interop tests validate, they need not store a graph.
		settings.setEnforceReferentialIntegrityOnWrite(false);
		settings.setEnforceReferentialIntegrityOnDelete(false);
		// No Lucene/Elasticsearch: plain SQL search only.
		settings.setAdvancedHSearchIndexing(false);
		return settings;
	}

	/**
	 * HAPI writes each change to a table in the write's transaction and a scheduled job hands that
	 * table to the matcher every this many milliseconds, so a notification can wait this long before
	 * matching even starts; the default is HAPI's own (5000).
	 */
	@Value("${lus.subscriptions.interval-ms:" + SubscriptionSettings.DEFAULT_SUBMISSION_INTERVAL_IN_MS + "}")
	private long subscriptionIntervalMs;

	/** HAPI only activates and matches Subscriptions of the channel types listed here; none by default. */
	@Bean
	public SubscriptionSettings subscriptionSettings() {
		SubscriptionSettings settings = new SubscriptionSettings();
		settings.addSupportedSubscriptionType(SubscriptionChannelType.RESTHOOK);
		settings.setSubscriptionIntervalInMs(subscriptionIntervalMs);
		return settings;
	}

	/** Required by HAPI's delivery listener factory even without email Subscriptions (none are supported). */
	@Bean
	public IEmailSender emailSender() {
		return new LoggingEmailSender();
	}

	@Bean
	public PartitionSettings partitionSettings() {
		return new PartitionSettings();
	}

	@Bean(destroyMethod = "close")
	public BasicDataSource dataSource() {
		BasicDataSource dataSource = new BasicDataSource();
		dataSource.setDriverClassName(isPostgres() ? "org.postgresql.Driver" : "org.h2.Driver");
		dataSource.setUrl(dbUrl);
		dataSource.setUsername(dbUsername);
		dataSource.setPassword(dbPassword);
		dataSource.setMaxTotal(20);
		return dataSource;
	}

	@Primary
	@Bean
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(
			ConfigurableListableBeanFactory beanFactory,
			FhirContext fhirContext,
			JpaStorageSettings storageSettings,
			DataSource dataSource) {
		LocalContainerEntityManagerFactoryBean factory =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
		factory.setPersistenceUnitName("HAPI_PU");
		factory.setDataSource(dataSource);
		Properties jpa = new Properties();
		jpa.put(
				"hibernate.dialect",
				isPostgres() ? HapiFhirPostgresDialect.class.getName() : HapiFhirH2Dialect.class.getName());
		jpa.put("hibernate.hbm2ddl.auto", "update");
		jpa.put("hibernate.search.enabled", "false");
		jpa.put("hibernate.format_sql", "false");
		jpa.put("hibernate.show_sql", "false");
		jpa.put("hibernate.jdbc.batch_size", "20");
		jpa.put("hibernate.cache.use_query_cache", "false");
		jpa.put("hibernate.cache.use_second_level_cache", "false");
		jpa.put("hibernate.cache.use_structured_entries", "false");
		jpa.put("hibernate.cache.use_minimal_puts", "false");
		factory.setJpaProperties(jpa);
		return factory;
	}

	@Primary
	@Bean
	public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
		JpaTransactionManager manager = new JpaTransactionManager();
		manager.setEntityManagerFactory(entityManagerFactory);
		return manager;
	}

	@Bean
	public RestfulServer restfulServer(
			IFhirSystemDao<?, ?> systemDao,
			ResourceProviderFactory resourceProviderFactory,
			JpaSystemProvider<?, ?> systemProvider,
			JpaStorageSettings storageSettings,
			ISearchParamRegistry searchParamRegistry,
			IValidationSupport validationSupport,
			DatabaseBackedPagingProvider pagingProvider) {
		RestfulServer server = new RestfulServer(systemDao.getContext());
		server.registerProviders(resourceProviderFactory.createProviders());
		server.registerProvider(systemProvider);
		server.setServerConformanceProvider(new JpaCapabilityStatementProvider(
				server, systemDao, storageSettings, searchParamRegistry, validationSupport));
		server.setPagingProvider(pagingProvider);
		server.setDefaultResponseEncoding(EncodingEnum.JSON);
		server.setDefaultPrettyPrint(true);
		server.setServerAddressStrategy(new IncomingRequestAddressStrategy());
		server.setImplementationDescription("LUS interop HAPI FHIR JPA server");
		return server;
	}
}
