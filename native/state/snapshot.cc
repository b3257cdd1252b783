// placeholder: implemented by the component owner
