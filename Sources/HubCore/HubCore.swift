/// HubCore: the domain and the engine as pure state machines. The engine lands with the workflow issue.
public enum HubCore {}
